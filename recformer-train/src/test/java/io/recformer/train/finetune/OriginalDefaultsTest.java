package io.recformer.train.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.UserHistory;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.sample.FineTuneSampler.Policy;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.eval.Encoder;
import io.recformer.train.eval.RankingEvaluator;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.LinearSchedule;
import io.recformer.train.run.RunDirectory;
import io.recformer.train.testing.TinySetup;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fine-tuning defaults that follow the original (docs/training.md, "Differences from the
 * original"), each against this library's earlier choice, on the tiny 24-user slice.
 */
class OriginalDefaultsTest {

  private static RecformerConfig config;
  private static RecformerTokenizer tokenizer;
  private static LeaveOneOutSplit split;
  private static Map<String, WeightTensor> initial;

  @BeforeAll
  static void setUp(@TempDir Path dir) throws Exception {
    config = TinySetup.tinyConfig();
    tokenizer = TinySetup.tokenizer(dir, config);
    split = TinySetup.slice(24);
    initial = TinySetup.randomWeights(config, 3);
  }

  @AfterAll
  static void tearDown() {
    tokenizer.close();
  }

  private static FineTuneResult run(FineTuneOptions options, Path dir) throws Exception {
    return new FineTuner(options, config, initial, tokenizer, split).run(dir);
  }

  /** Rows of metrics-steps.csv without the header: stage, epoch, step, loss, rate, ... */
  private static List<String[]> stepRows(Path run) throws Exception {
    List<String> lines = Files.readAllLines(run.resolve("metrics-steps.csv"));
    return lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
  }

  private static long optimizerSteps(Path run) throws Exception {
    return Long.parseLong(
        SafeTensors.read(run.resolve("last/optimizer.safetensors")).metadata().get("steps"));
  }

  @Test
  void theDefaultsAreTheOriginals() {
    FineTuneOptions d = FineTuneOptions.defaults();
    assertThat(d.clipNorm()).isZero();
    assertThat(d.freshOptimizerPerStage()).isFalse();
    assertThat(d.samplePolicy()).isEqualTo(Policy.RANDOM_TARGET_ANY_POSITION);
    assertThat(d.stage1ValidationReencodes()).isFalse();
    assertThatThrownBy(() -> FineTuneOptions.builder().stage2LearningRate(1e-5).build())
        .hasMessageContaining("stage2LearningRate = 1.0E-5 needs freshOptimizerPerStage = true");
  }

  @Test
  void oneOptimizerAndScheduleRunThroughBothStages(@TempDir Path dir) throws Exception {
    // A stage-1 budget of 60 microseconds ends stage 1 after its first epoch, so the run-wide
    // schedule (decaying to 0 at epochs x steps per epoch = 2 epochs) is half-way down when stage 2
    // begins: its first step continues at half the peak. A fresh schedule would start stage 2 at
    // the peak again (no warmup).
    FineTuneOptions.Builder b =
        FineTunerTest.tiny()
            .warmupSteps(0)
            .stage1Minutes(1e-6)
            .stage2Epochs(1)
            .patienceStage2(5)
            .zeroShotTest(false);
    FineTuneResult shared = run(b.build(), dir.resolve("shared"));
    List<String[]> rows = stepRows(shared.runDirectory());
    long stage1Steps = rows.stream().filter(r -> r[0].equals("stage1")).count();
    long total = rows.size();
    assertThat(total - stage1Steps).as("stage-2 steps").isEqualTo(stage1Steps);
    LinearSchedule schedule = new LinearSchedule(1e-3, 0, 2 * stage1Steps);
    for (String[] r : rows) {
      long step = Long.parseLong(r[2]);
      assertThat(Double.parseDouble(r[4]))
          .as("rate of step %d", step)
          .isCloseTo(schedule.rate(step - 1), within(1e-12));
    }
    String[] firstOfStage2 = rows.get((int) stage1Steps);
    assertThat(firstOfStage2[0]).isEqualTo("stage2");
    assertThat(Double.parseDouble(firstOfStage2[4])).isCloseTo(0.5e-3, within(1e-12));
    // One AdamW took every step of the run (its bias-correction count goes on).
    assertThat(optimizerSteps(shared.runDirectory())).isEqualTo(total);

    FineTuneResult fresh =
        run(b.freshOptimizerPerStage(true).build(), dir.resolve("fresh")); // earlier choice
    List<String[]> freshRows = stepRows(fresh.runDirectory());
    assertThat(freshRows).hasSameSizeAs(rows);
    assertThat(Double.parseDouble(freshRows.get((int) stage1Steps)[4]))
        .isCloseTo(1e-3, within(1e-12));
    assertThat(optimizerSteps(fresh.runDirectory())).isEqualTo(total - stage1Steps);
  }

  @Test
  void scheduleEpochsSpreadsTheOneScheduleOverBothStages(@TempDir Path dir) throws Exception {
    // Stage 1 runs all of its one epoch: with the original's schedule length (epochs) stage 2 then
    // trains at a rate of 0; scheduleEpochs = epochs + stage2Epochs leaves it the second half.
    FineTuneOptions.Builder b =
        FineTunerTest.tiny()
            .warmupSteps(0)
            .epochs(1)
            .stage2Epochs(1)
            .patienceStage2(5)
            .zeroShotTest(false);
    List<String[]> original = stepRows(run(b.build(), dir.resolve("original")).runDirectory());
    long stage1Steps = original.stream().filter(r -> r[0].equals("stage1")).count();
    assertThat(original).hasSize((int) (2 * stage1Steps));
    assertThat(Double.parseDouble(original.get((int) stage1Steps)[4])).isZero();

    List<String[]> spread =
        stepRows(run(b.scheduleEpochs(2).build(), dir.resolve("spread")).runDirectory());
    LinearSchedule schedule = new LinearSchedule(1e-3, 0, 2 * stage1Steps);
    for (String[] r : spread) {
      long step = Long.parseLong(r[2]);
      assertThat(Double.parseDouble(r[4]))
          .as("rate of step %d", step)
          .isCloseTo(schedule.rate(step - 1), within(1e-12));
    }
    assertThat(spread.get((int) stage1Steps)[0]).isEqualTo("stage2");
    assertThat(Double.parseDouble(spread.get((int) stage1Steps)[4]))
        .isCloseTo(0.5e-3, within(1e-12));
    assertThatThrownBy(() -> b.freshOptimizerPerStage(true).scheduleEpochs(2).build())
        .hasMessageContaining("scheduleEpochs = 2 sets the length of the one schedule");
  }

  @Test
  void aRunResumedBetweenTheStagesKeepsTheRunWideOptimizer(@TempDir Path dir) throws Exception {
    FineTuneOptions o = FineTunerTest.tiny().zeroShotTest(false).build();
    run(o, dir.resolve("full"));
    FineTuner interrupted = new FineTuner(o, config, initial, tokenizer, split);
    interrupted.interruptAfterEpochs(2); // the end of stage 1
    assertThatThrownBy(() -> interrupted.run(dir.resolve("resumed")))
        .isInstanceOf(FineTuner.Interrupted.class);
    JsonNode state = RunDirectory.JSON.readTree(dir.resolve("resumed/state.json").toFile());
    assertThat(state.get("stage").asText()).isEqualTo("stage1");
    assertThat(state.get("stageDone").asBoolean()).isTrue();
    new FineTuner(o, config, initial, tokenizer, split).resume(dir.resolve("resumed"));
    for (String csv : new String[] {"metrics-steps.csv", "metrics-eval.csv"}) {
      assertThat(Files.readString(dir.resolve("resumed").resolve(csv)))
          .as(csv)
          .isEqualTo(Files.readString(dir.resolve("full").resolve(csv)));
    }
    assertThat(SafeTensors.read(dir.resolve("resumed/last/optimizer.safetensors")).tensors())
        .isEqualTo(SafeTensors.read(dir.resolve("full/last/optimizer.safetensors")).tensors());
  }

  @Test
  void targetsAtPositionZeroAreDrawnAndTrainedOnWithAnEmptyHistory(@TempDir Path dir)
      throws Exception {
    // Leave-one-out leaves a 3-item user one training item: only the original's policy gives that
    // user a sample (target at position 0, history [CLS] alone). Cut six users of the slice to 3.
    List<UserHistory> users = new ArrayList<>();
    for (UserHistory u : split.dataset().users()) {
      users.add(users.size() < 6 ? u.prefix(3) : u);
    }
    LeaveOneOutSplit withShortUsers =
        LeaveOneOutSplit.of(Dataset.of("slice-short", split.dataset().items(), users));
    long anyPosition = withShortUsers.train().stream().filter(u -> u.size() >= 1).count();
    long nonEmpty = withShortUsers.train().stream().filter(u -> u.size() >= 2).count();
    assertThat(anyPosition - nonEmpty).as("one-item training sequences").isEqualTo(6);
    FineTuneOptions.Builder b =
        FineTunerTest.tiny().variant(Variant.STAGE1_ONLY).epochs(1).zeroShotTest(false);
    FineTuneResult original =
        new FineTuner(b.build(), config, initial, tokenizer, withShortUsers)
            .run(dir.resolve("original"));
    JsonNode report = RunDirectory.JSON.readTree(dir.resolve("original/report.json").toFile());
    assertThat(report.get("trainingSamplesSeen").asLong()).isEqualTo(anyPosition);
    assertThat(report.get("samplePolicy").asText()).isEqualTo("RANDOM_TARGET_ANY_POSITION");
    for (String[] r : stepRows(original.runDirectory())) {
      assertThat(Double.parseDouble(r[3])).as("loss").isFinite();
    }
    new FineTuner(
            b.samplePolicy(Policy.RANDOM_TARGET).build(),
            config,
            initial,
            tokenizer,
            withShortUsers)
        .run(dir.resolve("nonEmpty"));
    JsonNode other = RunDirectory.JSON.readTree(dir.resolve("nonEmpty/report.json").toFile());
    assertThat(other.get("trainingSamplesSeen").asLong()).isEqualTo(nonEmpty);
  }

  @Test
  void stageOneValidatesWithTheMatrixTheEpochTrainedAgainst(@TempDir Path dir) throws Exception {
    // One stage-1 epoch from the initial model: the original scores validation with the matrix
    // encoded at the epoch's start (the initial model's) and the trained encoder's histories.
    // Recompute that by hand from best/ and the initial weights.
    FineTuneOptions.Builder b =
        FineTunerTest.tiny().variant(Variant.STAGE1_ONLY).epochs(1).zeroShotTest(false);
    FineTuneResult original = run(b.build(), dir.resolve("original"));
    FineTuneResult reencoded =
        run(b.stage1ValidationReencodes(true).build(), dir.resolve("reencoded"));
    FineTuneOptions o = b.build();
    ItemTokenCache cache = new ItemTokenCache(tokenizer, split.dataset().items()).tokenizeAll();
    RankingEvaluator evaluator =
        new RankingEvaluator(o.tiePolicy(), o.historyPolicy(), 256, o.historyPenalty());
    try (NDManager manager = NDManager.newBaseManager();
        RecformerModel start = RecformerModel.newInstance(manager, config, 0);
        RecformerModel trained = RecformerModel.newInstance(manager, config, 0)) {
      start.loadWeights(initial);
      NDArray startMatrix =
          new Encoder(start, cache, tokenizer.padId(), o.evalBatchSize()).itemMatrix(manager);
      Checkpoints.loadInto(
          trained, Checkpoints.read(original.runDirectory().resolve("best")).weights());
      Encoder trainedEncoder = new Encoder(trained, cache, tokenizer.padId(), o.evalBatchSize());
      MetricReport byHand =
          evaluator.evaluate(
              trainedEncoder,
              FineTuner.validationSubsample(split.validation(), 0, o.seed()),
              startMatrix);
      assertSameValidation(original.runDirectory(), byHand);
      // best/ keeps the matrix it was validated with: the start-of-epoch one.
      assertThat(
              SafeTensors.read(original.runDirectory().resolve("best/item-matrix.safetensors"))
                  .tensors()
                  .get("item_matrix")
                  .values())
          .containsExactly(startMatrix.toFloatArray());
      // The earlier choice validates with the trained encoder's own matrix instead.
      NDArray trainedMatrix = trainedEncoder.itemMatrix(manager);
      Checkpoints.loadInto(
          trained, Checkpoints.read(reencoded.runDirectory().resolve("best")).weights());
      MetricReport reencodedByHand =
          evaluator.evaluate(
              trainedEncoder,
              FineTuner.validationSubsample(split.validation(), 0, o.seed()),
              trainedEncoder.itemMatrix(manager));
      assertSameValidation(reencoded.runDirectory(), reencodedByHand);
      assertThat(trainedMatrix.toFloatArray()).isNotEqualTo(startMatrix.toFloatArray());
    }
  }

  private static void assertSameValidation(Path run, MetricReport expected) throws Exception {
    List<String> lines = Files.readAllLines(run.resolve("metrics-eval.csv"));
    List<String> header = List.of(lines.get(0).split(","));
    String[] row =
        lines.stream()
            .map(l -> l.split(",", -1))
            .filter(r -> r[0].equals("stage1") && r[3].equals("validation"))
            .findFirst()
            .orElseThrow();
    for (String metric : List.of("NDCG@10", "Recall@10", "NDCG@50", "Recall@50", "MRR")) {
      double logged = Double.parseDouble(row[header.indexOf(metric)]);
      assertThat(logged)
          .as("%s of %s", metric, run.getFileName())
          .isCloseTo(expected.get(metric), within(1e-7 * Math.max(1, expected.get(metric))));
    }
  }
}
