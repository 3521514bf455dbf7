package io.recformer.train.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.metrics.CosineSpread;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.sample.FineTuneSampler;
import io.recformer.data.sample.FineTuneSampler.Policy;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.run.DeviceUnavailableException;
import io.recformer.train.run.RunDirectory;
import io.recformer.train.run.RunStoppedException;
import io.recformer.train.run.StopSignal;
import io.recformer.train.testing.TinySetup;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tiny end-to-end fine-tuning runs on a 24-user slice of UniSRec Scientific. */
class FineTunerTest {

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

  static FineTuneOptions.Builder tiny() {
    return FineTuneOptions.builder()
        .epochs(2)
        .batchSize(8)
        .gradientAccumulation(2)
        .learningRate(1e-3)
        .warmupSteps(1)
        .evalEvery(1)
        .patienceStage1(2)
        .patienceStage2(2)
        .evalBatchSize(32)
        .itemChunk(50)
        .seed(11);
  }

  private static long stepsPerEpoch() {
    int samples =
        new FineTuneSampler(FineTuneOptions.defaults().samplePolicy(), 0)
            .sample(split.train(), 0)
            .size();
    return ((samples + 7L) / 8 + 1) / 2;
  }

  private FineTuneResult run(FineTuneOptions options, Path dir) throws Exception {
    return new FineTuner(options, config, initial, tokenizer, split).run(dir);
  }

  @Test
  void bothStagesWriteACompleteRunDirectory(@TempDir Path dir) throws Exception {
    FineTuneResult r = run(tiny().build(), dir.resolve("run"));
    Path run = r.runDirectory();
    for (String f :
        new String[] {
          "config.json",
          "provenance.json",
          "metrics-steps.csv",
          "metrics-eval.csv",
          "state.json",
          "report.json",
          "report.md",
          "loss.png",
          "validation.png",
          "item-matrix.safetensors",
          "best/model.safetensors",
          "best/manifest.json",
          "best/item-matrix.safetensors",
          "last/optimizer.safetensors"
        }) {
      assertThat(run.resolve(f)).as(f).isRegularFile();
    }
    String steps = Files.readString(run.resolve("metrics-steps.csv"), StandardCharsets.UTF_8);
    assertThat(steps).contains("stage1,").contains("stage2,");
    // Two stages of 2 epochs, each epoch ceil(ceil(samples / 8) / 2) optimizer steps.
    assertThat(r.steps()).isEqualTo(4 * stepsPerEpoch());
    assertThat(r.zeroShotTest().users()).isEqualTo(split.test().size());
    assertThat(r.finalTest().users()).isEqualTo(split.test().size());
    String provenance = Files.readString(run.resolve("provenance.json"));
    assertThat(provenance).contains(split.dataset().fingerprint()).contains("\"seed\" : 11");
    assertThat(Files.readString(run.resolve("report.md")))
        .contains("zero-shot")
        .contains("fine-tuned")
        .contains("popularity")
        .contains("ORIGINAL")
        .contains("|\n| popularity |")
        .contains("|\n| zero-shot |")
        .contains("|\n| fine-tuned |"); // one table: no blank lines between its rows
    assertThat(Files.size(run.resolve("loss.png"))).isGreaterThan(1000);

    // The report states the final matrix's cosine spread: recompute it from the saved matrix
    // (small catalogs are not sampled) with the plain-Java CosineSpread.
    WeightTensor matrix =
        SafeTensors.read(run.resolve("item-matrix.safetensors")).tensors().get("item_matrix");
    int items = (int) matrix.shape()[0];
    int dim = (int) matrix.shape()[1];
    float[][] rows = new float[items][dim];
    for (int i = 0; i < items; i++) {
      System.arraycopy(matrix.values(), i * dim, rows[i], 0, dim);
    }
    CosineSpread expected = CosineSpread.of(rows, items);
    JsonNode report = new ObjectMapper().readTree(run.resolve("report.json").toFile());
    JsonNode spread = report.get("itemMatrixSpread");
    assertThat(report.get("temperature").asDouble()).isEqualTo(config.temperature());
    assertThat(spread.get("rowsSampled").asInt()).isEqualTo(items);
    assertThat(spread.get("meanCosine").asDouble()).isCloseTo(expected.meanCosine(), within(1e-9));
    assertThat(spread.get("rowSpread").asDouble()).isCloseTo(expected.rowSpread(), within(1e-9));
    assertThat(spread.get("nearestCosine").asDouble())
        .isCloseTo(expected.nearestCosine(), within(1e-9));
    assertThat(spread.get("logitSpreadAtTemperature").asDouble())
        .isCloseTo(expected.rowSpread() / config.temperature(), within(1e-6));
    assertThat(Files.readString(run.resolve("report.md")))
        .contains("Training temperature " + config.temperature());
  }

  @Test
  void stageTwoCanHaveItsOwnEpochsAndPeakRate(@TempDir Path dir) throws Exception {
    FineTuneResult r =
        run(
            tiny()
                .freshOptimizerPerStage(true)
                .stage2Epochs(1)
                .stage2LearningRate(2e-4)
                .zeroShotTest(false)
                .build(),
            dir.resolve("run"));
    // Two stage-1 epochs and one stage-2 epoch.
    assertThat(r.steps()).isEqualTo(3 * stepsPerEpoch());
    double stage1Peak = 0;
    double stage2Peak = 0;
    List<String> lines = Files.readAllLines(r.runDirectory().resolve("metrics-steps.csv"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      double rate = Double.parseDouble(f[4]);
      if (f[0].equals("stage2")) {
        assertThat(f[1]).isEqualTo("1");
        stage2Peak = Math.max(stage2Peak, rate);
      } else {
        stage1Peak = Math.max(stage1Peak, rate);
      }
    }
    assertThat(stage1Peak).isCloseTo(1e-3, within(1e-9));
    assertThat(stage2Peak).isCloseTo(2e-4, within(1e-9));
  }

  @Test
  void sameSeedAndConfigGiveIdenticalMetrics(@TempDir Path dir) throws Exception {
    FineTuneOptions o = tiny().variant(Variant.STAGE1_ONLY).build();
    run(o, dir.resolve("a"));
    run(o, dir.resolve("b"));
    assertThat(Files.readString(dir.resolve("b/metrics-steps.csv")))
        .isEqualTo(Files.readString(dir.resolve("a/metrics-steps.csv")));
    assertThat(Files.readString(dir.resolve("b/metrics-eval.csv")))
        .isEqualTo(Files.readString(dir.resolve("a/metrics-eval.csv")));
    assertThat(SafeTensors.read(dir.resolve("b/best/model.safetensors")).tensors())
        .isEqualTo(SafeTensors.read(dir.resolve("a/best/model.safetensors")).tensors());
    assertThat(
            SafeTensors.read(dir.resolve("a/last/model.safetensors"))
                .tensors()
                .get("encoder.layer.0.output.dense.weight"))
        .isNotEqualTo(initial.get("encoder.layer.0.output.dense.weight"));
    FineTuneOptions other = tiny().variant(Variant.STAGE1_ONLY).epochs(1).seed(12).build();
    run(other, dir.resolve("c"));
    assertThat(Files.readString(dir.resolve("c/metrics-steps.csv")))
        .isNotEqualTo(Files.readString(dir.resolve("a/metrics-steps.csv")));
  }

  @Test
  void lengthGroupingChangesTheBatchesButNotTheStepsAndIsReproducible(@TempDir Path dir)
      throws Exception {
    FineTuneOptions plain = tiny().variant(Variant.STAGE1_ONLY).epochs(1).build();
    FineTuneOptions grouped = plain.toBuilder().lengthGroupBatches(2).build();
    FineTuneResult a = run(plain, dir.resolve("plain"));
    FineTuneResult b = run(grouped, dir.resolve("grouped"));
    run(grouped, dir.resolve("again"));
    assertThat(b.steps()).isEqualTo(a.steps()).isEqualTo(stepsPerEpoch());
    assertThat(Files.readString(dir.resolve("grouped/metrics-steps.csv")))
        .isNotEqualTo(Files.readString(dir.resolve("plain/metrics-steps.csv")))
        .isEqualTo(Files.readString(dir.resolve("again/metrics-steps.csv")));
    assertThat(Files.readString(dir.resolve("grouped/report.json")))
        .contains("\"lengthGroupBatches\" : 2");
    assertThat(Files.readString(dir.resolve("plain/report.json")))
        .contains("\"lengthGroupBatches\" : 0");
  }

  @Test
  void matrixRefreshChangesTrainingOnlyAfterTheRefresh(@TempDir Path dir) throws Exception {
    long steps = stepsPerEpoch();
    assertThat(steps).isGreaterThanOrEqualTo(2);
    // No warmup: the first step must move the encoder, or the refresh re-encodes the same model.
    FineTuneOptions plain = tiny().variant(Variant.STAGE1_ONLY).epochs(1).warmupSteps(0).build();
    run(plain, dir.resolve("plain"));
    // Refreshing only after the epoch's last step is what the next epoch does anyway: no change.
    run(plain.toBuilder().matrixRefreshSteps((int) steps).build(), dir.resolve("never"));
    run(plain.toBuilder().matrixRefreshSteps(1).build(), dir.resolve("every"));
    List<String> a = Files.readAllLines(dir.resolve("plain/metrics-steps.csv"));
    List<String> b = Files.readAllLines(dir.resolve("every/metrics-steps.csv"));
    assertThat(Files.readAllLines(dir.resolve("never/metrics-steps.csv"))).isEqualTo(a);
    assertThat(b).hasSameSizeAs(a);
    // Row 0 is the header, row 1 the step before the first refresh.
    assertThat(b.subList(0, 2)).isEqualTo(a.subList(0, 2));
    assertThat(b.get(2)).isNotEqualTo(a.get(2));
    assertThat(Files.readString(dir.resolve("every/report.json")))
        .contains("\"matrixRefreshSteps\" : 1");
  }

  @ParameterizedTest(name = "stage2TrainsMatrix={0}")
  @ValueSource(booleans = {false, true})
  void resumedRunEqualsUninterruptedRun(boolean stage2TrainsMatrix, @TempDir Path dir)
      throws Exception {
    FineTuneOptions o = tiny().stage2TrainsMatrix(stage2TrainsMatrix).build();
    run(o, dir.resolve("full"));
    FineTuner interrupted = new FineTuner(o, config, initial, tokenizer, split);
    interrupted.interruptAfterEpochs(3);
    assertThatThrownBy(() -> interrupted.run(dir.resolve("resumed")))
        .isInstanceOf(FineTuner.Interrupted.class);
    assertThat(Files.readString(dir.resolve("resumed/state.json")))
        .contains("\"stage\" : \"stage2\"");
    FineTuneResult resumed =
        new FineTuner(o, config, initial, tokenizer, split).resume(dir.resolve("resumed"));
    assertSameRun(dir.resolve("resumed"), dir.resolve("full"));
    assertThat(resumed.steps()).isEqualTo(4 * stepsPerEpoch());
  }

  /** The logs and the final item matrix of a resumed run equal those of the uninterrupted one. */
  private static void assertSameRun(Path resumed, Path full) throws IOException {
    for (String csv : new String[] {"metrics-steps.csv", "metrics-eval.csv"}) {
      assertThat(Files.readString(resumed.resolve(csv)))
          .as(csv)
          .isEqualTo(Files.readString(full.resolve(csv)));
    }
    assertThat(SafeTensors.read(resumed.resolve("item-matrix.safetensors")).tensors())
        .isEqualTo(SafeTensors.read(full.resolve("item-matrix.safetensors")).tensors());
  }

  @Test
  void aStopRequestSavesInsideTheEpochAndTheResumedRunEqualsAnUninterruptedOne(@TempDir Path dir)
      throws Exception {
    assertThat(stepsPerEpoch()).as("the stop must fall inside an epoch").isGreaterThan(1);
    FineTuneOptions o = tiny().build();
    run(o, dir.resolve("full"));
    FineTuner stopped = new FineTuner(o, config, initial, tokenizer, split);
    StopSignal stop = StopSignal.none();
    stop.request("SIGTERM"); // before the first step: the run stops right after it
    stopped.stopOn(stop);
    assertThatThrownBy(() -> stopped.run(dir.resolve("resumed")))
        .isInstanceOf(RunStoppedException.class)
        .hasMessageContaining("stopped by SIGTERM after optimizer step 1;")
        .satisfies(e -> assertThat(((RunStoppedException) e).exitCode()).isEqualTo(143));
    JsonNode state = RunDirectory.JSON.readTree(dir.resolve("resumed/state.json").toFile());
    assertThat(state.get("globalStep").asLong()).isEqualTo(1);
    assertThat(state.get("epoch").asInt()).isZero();
    assertThat(state.get("batchesDoneInEpoch").asInt()).isEqualTo(2); // accumulation 2
    assertThat(dir.resolve("resumed/last/item-matrix.safetensors")).isRegularFile();

    FineTuneResult resumed =
        new FineTuner(o, config, initial, tokenizer, split).resume(dir.resolve("resumed"));
    assertSameRun(dir.resolve("resumed"), dir.resolve("full"));
    assertThat(resumed.steps()).isEqualTo(4 * stepsPerEpoch());
  }

  @Test
  void stageOneStartsFromTheZeroShotMatrixExactlyAsFromAFreshEncoding(@TempDir Path dir)
      throws Exception {
    // With the zero-shot pass, stage 1's first epoch reuses its matrix instead of encoding the
    // catalog again; without it, the epoch encodes one. Training must not tell them apart.
    FineTuneOptions once = tiny().variant(Variant.STAGE1_ONLY).epochs(1).build();
    FineTuneOptions twice =
        tiny().variant(Variant.STAGE1_ONLY).epochs(1).zeroShotTest(false).build();
    run(once, dir.resolve("reused"));
    run(twice, dir.resolve("encoded"));
    assertThat(Files.readString(dir.resolve("reused/metrics-steps.csv")))
        .isEqualTo(Files.readString(dir.resolve("encoded/metrics-steps.csv")));
    assertThat(SafeTensors.read(dir.resolve("reused/item-matrix.safetensors")).tensors())
        .isEqualTo(SafeTensors.read(dir.resolve("encoded/item-matrix.safetensors")).tensors());
  }

  @Test
  void fixedMatrixNeverChanges(@TempDir Path dir) throws Exception {
    FineTuneResult r = run(tiny().variant(Variant.FIXED_MATRIX).build(), dir.resolve("run"));
    Map<String, WeightTensor> initialMatrix =
        SafeTensors.read(r.runDirectory().resolve("initial-matrix.safetensors")).tensors();
    assertThat(SafeTensors.read(r.runDirectory().resolve("last/item-matrix.safetensors")).tensors())
        .isEqualTo(initialMatrix);
    assertThat(SafeTensors.read(r.runDirectory().resolve("item-matrix.safetensors")).tensors())
        .isEqualTo(initialMatrix);
    // The encoder did train (with one layer and CLS pooling only the global-attention path
    // reaches the output, so check a weight on that path).
    String name = "encoder.layer.0.output.dense.weight";
    assertThat(
            SafeTensors.read(r.runDirectory().resolve("last/model.safetensors"))
                .tensors()
                .get(name))
        .isNotEqualTo(initial.get(name));
  }

  @Test
  void trainableMatrixIsUpdatedByTheOptimizer(@TempDir Path dir) throws Exception {
    FineTuneResult r = run(tiny().variant(Variant.TRAINABLE_MATRIX).build(), dir.resolve("run"));
    WeightTensor before =
        SafeTensors.read(r.runDirectory().resolve("initial-matrix.safetensors"))
            .tensors()
            .get("item_matrix");
    WeightTensor after =
        SafeTensors.read(r.runDirectory().resolve("last/item-matrix.safetensors"))
            .tensors()
            .get("item_matrix");
    assertThat(after.shape()).isEqualTo(before.shape());
    assertThat(after).isNotEqualTo(before);
    assertThat(Files.readString(r.runDirectory().resolve("metrics-steps.csv")))
        .contains("trainable-matrix,");
  }

  /**
   * A matrix rate of its own: the first step (same weights, same samples) has the same loss, the
   * matrix then moves further from its start at the higher rate, and the report records the rate.
   */
  @Test
  void trainableMatrixCanHaveARateOfItsOwn(@TempDir Path dir) throws Exception {
    FineTuneOptions.Builder base = oneShortEpoch().variant(Variant.TRAINABLE_MATRIX);
    FineTuneResult same = run(base.build(), dir.resolve("same"));
    FineTuneResult faster = run(base.matrixLearningRate(1e-2).build(), dir.resolve("faster"));
    assertThat(firstStepLoss(faster)).isCloseTo(firstStepLoss(same), within(1e-6));
    assertThat(matrixDrift(faster)).isGreaterThan(3 * matrixDrift(same));
    assertThat(Files.readString(faster.runDirectory().resolve("report.json")))
        .contains("\"matrixLearningRate\" : 0.01");
  }

  /**
   * With stage2TrainsMatrix, stage 1 is unchanged and stage 2 trains the best model's matrix:
   * without it stage 2 ends on that matrix frozen, with it on a matrix moved away from it.
   */
  @Test
  void stageTwoCanTrainTheBestModelsMatrix(@TempDir Path dir) throws Exception {
    // Three steps per stage (24 users, batches of 8): a schedule's first step has rate 0. Each
    // stage has its own schedule: the original's one schedule would have decayed to 0 by the end
    // of stage 1's only epoch, leaving stage 2 nothing to train with.
    FineTuneOptions.Builder base =
        tiny()
            .freshOptimizerPerStage(true)
            .epochs(1)
            .zeroShotTest(false)
            .samplesPerEpoch(32)
            .gradientAccumulation(1)
            .patienceStage2(1);
    FineTuneResult frozen = run(base.build(), dir.resolve("frozen"));
    FineTuneResult trained =
        run(base.stage2TrainsMatrix(true).matrixLearningRate(1e-2).build(), dir.resolve("trained"));
    List<String> frozenSteps =
        Files.readAllLines(frozen.runDirectory().resolve("metrics-steps.csv"));
    List<String> trainedSteps =
        Files.readAllLines(trained.runDirectory().resolve("metrics-steps.csv"));
    List<String> stage1 = frozenSteps.stream().filter(l -> l.startsWith("stage1,")).toList();
    assertThat(stage1).isNotEmpty();
    assertThat(trainedSteps.stream().filter(l -> l.startsWith("stage1,")).toList())
        .isEqualTo(stage1);
    // Stage 2 starts from stage 1's best model and matrix, the same in both runs: its first loss
    // agrees (the dense loss path against the chunked one), the last differs.
    List<String> frozen2 = frozenSteps.stream().filter(l -> l.startsWith("stage2,")).toList();
    List<String> trained2 = trainedSteps.stream().filter(l -> l.startsWith("stage2,")).toList();
    assertThat(trained2).hasSize(3).hasSameSizeAs(frozen2);
    assertThat(loss(trained2.get(0))).isCloseTo(loss(frozen2.get(0)), within(1e-4));
    assertThat(loss(trained2.get(2))).isNotCloseTo(loss(frozen2.get(2)), within(1e-4));
    WeightTensor frozenMatrix = lastMatrix(frozen);
    WeightTensor trainedMatrix = lastMatrix(trained);
    assertThat(trainedMatrix.shape()).isEqualTo(frozenMatrix.shape());
    assertThat(trainedMatrix).isNotEqualTo(frozenMatrix);
    assertThat(Files.readString(trained.runDirectory().resolve("report.json")))
        .contains("\"stage2TrainsMatrix\" : true");
    // The report says whether the kept model ranks with the trained matrix or stage 1's.
    assertThat(Files.readString(trained.runDirectory().resolve("report.md")))
        .contains(
            trained.bestStage().equals(FineTuner.STAGE2)
                ? "The item matrix was trained as a parameter (in stage 2"
                : "Stage 2 trained the item matrix as a parameter (stage2TrainsMatrix) but did"
                    + " not");
  }

  private static double loss(String stepRow) {
    return Double.parseDouble(stepRow.split(",", -1)[3]);
  }

  private static WeightTensor lastMatrix(FineTuneResult r) throws Exception {
    return SafeTensors.read(r.runDirectory().resolve("last/item-matrix.safetensors"))
        .tensors()
        .get("item_matrix");
  }

  /** L2 distance between the trainable matrix at the start and after the last epoch. */
  private static double matrixDrift(FineTuneResult r) throws Exception {
    float[] before =
        SafeTensors.read(r.runDirectory().resolve("initial-matrix.safetensors"))
            .tensors()
            .get("item_matrix")
            .values();
    float[] after =
        SafeTensors.read(r.runDirectory().resolve("last/item-matrix.safetensors"))
            .tensors()
            .get("item_matrix")
            .values();
    double sum = 0;
    for (int i = 0; i < before.length; i++) {
      sum += (after[i] - before[i]) * (double) (after[i] - before[i]);
    }
    return Math.sqrt(sum);
  }

  /**
   * The history margin enters the training loss only: with the same samples and weights, the first
   * step's loss grows when history items are raised, identically in the chunked loss (constant
   * matrix) and the dense one (trainable matrix), and the report records the margin.
   */
  @Test
  void historyMarginRaisesTheTrainingLossInBothLossPaths(@TempDir Path dir) throws Exception {
    FineTuneOptions.Builder base = oneShortEpoch();
    double plain = plainFirstStepLoss(dir);
    FineTuneResult chunked =
        run(
            base.variant(Variant.STAGE1_ONLY).historyNegativeMargin(0.2).build(),
            dir.resolve("chunked"));
    FineTuneResult dense =
        run(
            base.variant(Variant.TRAINABLE_MATRIX).historyNegativeMargin(0.2).build(),
            dir.resolve("dense"));
    assertThat(firstStepLoss(chunked)).isGreaterThan(plain + 1e-3);
    assertThat(firstStepLoss(dense)).isCloseTo(firstStepLoss(chunked), within(1e-4));
    assertThat(Files.readString(chunked.runDirectory().resolve("report.json")))
        .contains("\"historyNegativeMargin\" : 0.2");
    assertThat(Files.readString(chunked.runDirectory().resolve("report.md")))
        .contains("cosine margin of 0.2");
  }

  /**
   * A history penalty lowers history items in the training softmax (the first step's loss falls,
   * identically in both loss paths) and is recorded in the report; with a margin of the same size
   * the two cancel in training.
   */
  @Test
  void historyPenaltyLowersTheTrainingLossInBothLossPaths(@TempDir Path dir) throws Exception {
    FineTuneOptions.Builder base = oneShortEpoch();
    double plain = plainFirstStepLoss(dir);
    FineTuneResult chunked =
        run(base.variant(Variant.STAGE1_ONLY).historyPenalty(0.2).build(), dir.resolve("chunked"));
    FineTuneResult dense =
        run(
            base.variant(Variant.TRAINABLE_MATRIX).historyPenalty(0.2).build(),
            dir.resolve("dense"));
    FineTuneResult cancelled =
        run(
            base.variant(Variant.STAGE1_ONLY)
                .historyPenalty(0.2)
                .historyNegativeMargin(0.2)
                .build(),
            dir.resolve("cancelled"));
    assertThat(firstStepLoss(chunked)).isLessThan(plain - 1e-3);
    assertThat(firstStepLoss(dense)).isCloseTo(firstStepLoss(chunked), within(1e-4));
    assertThat(firstStepLoss(cancelled)).isCloseTo(plain, within(1e-6));
    assertThat(Files.readString(chunked.runDirectory().resolve("report.json")))
        .contains("\"historyPenalty\" : 0.2");
    assertThat(Files.readString(chunked.runDirectory().resolve("report.md")))
        .contains("lowered by 0.2 (cosine; historyPenalty)");
  }

  /** One epoch of 16 samples, one per step, no zero-shot pass: a first step to compare losses. */
  private static FineTuneOptions.Builder oneShortEpoch() {
    return tiny().epochs(1).zeroShotTest(false).samplesPerEpoch(16).gradientAccumulation(1);
  }

  private double plainFirstStepLoss(Path dir) throws Exception {
    return firstStepLoss(
        run(oneShortEpoch().variant(Variant.STAGE1_ONLY).build(), dir.resolve("plain")));
  }

  private static double firstStepLoss(FineTuneResult r) throws Exception {
    List<String> lines = Files.readAllLines(r.runDirectory().resolve("metrics-steps.csv"));
    return Double.parseDouble(lines.get(1).split(",", -1)[3]);
  }

  @Test
  void stage2OnlyFreezesTheInitialMatrixAndAllPrefixesIsSelectable(@TempDir Path dir)
      throws Exception {
    FineTuneResult r =
        run(
            tiny()
                .variant(Variant.STAGE2_ONLY)
                .epochs(1)
                .samplePolicy(Policy.ALL_PREFIXES)
                .pooling(Pooling.MEAN)
                .build(),
            dir.resolve("run"));
    assertThat(SafeTensors.read(r.runDirectory().resolve("last/item-matrix.safetensors")).tensors())
        .isEqualTo(
            SafeTensors.read(r.runDirectory().resolve("initial-matrix.safetensors")).tensors());
    String steps = Files.readString(r.runDirectory().resolve("metrics-steps.csv"));
    assertThat(steps).contains("stage2,").doesNotContain("stage1,");
    // Every prefix: sum over users of (training length - 1) samples, more than one per user.
    assertThat(r.steps()).isGreaterThan(2);
    assertThat(Files.readString(r.runDirectory().resolve("report.json")))
        .contains("\"pooling\" : \"MEAN\"")
        .contains("ALL_PREFIXES");
  }

  @Test
  void rejectsANonEmptyRunDirectoryAndResumeWithoutState(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("x"), "x");
    FineTuner tuner = new FineTuner(tiny().build(), config, initial, tokenizer, split);
    assertThatThrownBy(() -> tuner.run(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not empty");
    assertThatThrownBy(() -> tuner.resume(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no state.json");
  }

  @Test
  void budgetsAndSubsamplesBoundTheRun(@TempDir Path dir) throws Exception {
    // A tiny stage-1 budget stops after the first epoch (the next one would overrun it); samples
    // per epoch and the user subsamples shrink each epoch and each evaluation.
    // The zero-shot test pass is skipped: the report says so and has no zero-shot row.
    FineTuneOptions o =
        tiny()
            .epochs(5)
            .samplesPerEpoch(8)
            .validationUsers(5)
            .testUsers(7)
            .stage1Minutes(1e-6)
            .zeroShotTest(false)
            .build();
    FineTuneResult r = run(o, dir.resolve("run"));
    assertThat(r.zeroShotTest()).isNull();
    assertThat(Files.readString(dir.resolve("run/report.md")))
        .contains("zero-shot test evaluation was skipped")
        .doesNotContain("| zero-shot |");
    assertThat(Files.readString(dir.resolve("run/metrics-eval.csv")))
        .doesNotContain("zero-shot")
        .contains("popularity");
    assertThat(r.finalTest().users()).isEqualTo(7);
    assertThat(r.bestValidation().users()).isEqualTo(5);
    String steps = Files.readString(dir.resolve("run/metrics-steps.csv"), StandardCharsets.UTF_8);
    // 8 samples = one micro-batch = one optimizer step per epoch; one epoch in stage 1, and
    // stage 2 (no budget) runs until its 5 epochs or its patience of 2 evaluations.
    assertThat(steps.lines().filter(l -> l.startsWith("stage1,")).count()).isEqualTo(1);
    long stage2 = steps.lines().filter(l -> l.startsWith("stage2,")).count();
    assertThat(stage2).isBetween(2L, 5L);
    assertThat(Files.readString(dir.resolve("run/report.md")))
        .contains((1 + stage2) * 8 + " training samples seen (8 per epoch)")
        .contains("5 validation users");
    assertThat(FineTuner.testSubsample(split.test(), 7, 1))
        .hasSize(7)
        .isEqualTo(FineTuner.testSubsample(split.test(), 7, 1))
        .isSubsetOf(split.test());
    assertThat(FineTuner.testSubsample(split.test(), 0, 1)).isEqualTo(split.test());
  }

  @Test
  void dataParallelReplicasGiveTheSingleDeviceRun(@TempDir Path dir) throws Exception {
    // Without dropout, splitting every micro-batch over 2 or 3 replicas (here all on the CPU, each
    // on its own thread) must reproduce the single-device run: same losses and gradient norms at
    // every step (the gradients are reduced onto the primary), hence the same weights after each
    // step (they are broadcast back) and the same final metrics.
    assertReplicasMatchOneDevice(tiny().epochs(1).samplesPerEpoch(20), dir.resolve("stages"));
  }

  @Test
  void dataParallelTrainsTheItemMatrixLikeOneDevice(@TempDir Path dir) throws Exception {
    // The trainable item matrix is mirrored on every replica: its gradient (the item_matrix norm
    // column, not NaN here) is reduced like the encoder's and its update broadcast back.
    List<String> steps =
        assertReplicasMatchOneDevice(
            tiny().variant(Variant.TRAINABLE_MATRIX).epochs(1).samplesPerEpoch(20),
            dir.resolve("trainable"));
    int column = List.of(steps.get(0).split(",", -1)).indexOf("matrix_grad_norm");
    assertThat(column).isPositive();
    assertThat(Double.parseDouble(steps.get(1).split(",", -1)[column])).isFinite().isPositive();
  }

  @Test
  void gradientCheckpointingTrainsLikeTheOrdinaryBackward(@TempDir Path dir) throws Exception {
    // Same losses and gradient norms at every step, with each encoder layer recomputed in the
    // backward pass, here on two replicas (dropout off; the replay of dropout masks is tested in
    // CheckpointedLayersTest).
    RecformerConfig noDropout = config.toBuilder().hiddenDropout(0).attentionDropout(0).build();
    FineTuneOptions.Builder base = tiny().epochs(1).samplesPerEpoch(20).device("cpu,cpu");
    List<String> plain =
        Files.readAllLines(
            new FineTuner(base.build(), noDropout, initial, tokenizer, split)
                .run(dir.resolve("plain"))
                .runDirectory()
                .resolve("metrics-steps.csv"));
    List<String> checkpointed =
        Files.readAllLines(
            new FineTuner(
                    base.gradientCheckpointing(true).build(), noDropout, initial, tokenizer, split)
                .run(dir.resolve("checkpointed"))
                .runDirectory()
                .resolve("metrics-steps.csv"));
    assertThat(checkpointed).hasSameSizeAs(plain);
    assertThat(plain.size()).isGreaterThanOrEqualTo(3);
    for (int row = 1; row < plain.size(); row++) {
      String[] a = plain.get(row).split(",", -1);
      String[] b = checkpointed.get(row).split(",", -1);
      for (int col = 3; col < 6; col++) { // loss, rate, encoder gradient norm
        double x = Double.parseDouble(a[col]);
        assertThat(Double.parseDouble(b[col]))
            .as("row %d column %d", row, col)
            .isCloseTo(x, Assertions.within(1e-4 * Math.max(1, Math.abs(x))));
      }
    }
  }

  /** Runs on 1, 2 and 3 CPU replicas; returns the single device's step log. */
  private List<String> assertReplicasMatchOneDevice(FineTuneOptions.Builder base, Path dir)
      throws Exception {
    RecformerConfig noDropout = config.toBuilder().hiddenDropout(0).attentionDropout(0).build();
    List<List<String>> runs = new ArrayList<>();
    List<FineTuneResult> results = new ArrayList<>();
    for (String devices : new String[] {"cpu", "cpu,cpu", "cpu,cpu,cpu"}) {
      FineTuneResult r =
          new FineTuner(base.device(devices).build(), noDropout, initial, tokenizer, split)
              .run(dir.resolve(devices.replace(',', '-')));
      results.add(r);
      runs.add(Files.readAllLines(r.runDirectory().resolve("metrics-steps.csv")));
    }
    List<String> single = runs.get(0);
    assertThat(single.size()).isGreaterThanOrEqualTo(3); // a header and at least two steps
    for (List<String> parallel : runs.subList(1, runs.size())) {
      assertThat(parallel).hasSameSizeAs(single);
      for (int row = 1; row < single.size(); row++) {
        String[] a = single.get(row).split(",", -1);
        String[] b = parallel.get(row).split(",", -1);
        for (int col = 3; col < a.length; col++) { // loss, rate, gradient norms, skipped
          double x = Double.parseDouble(a[col]);
          if (Double.isNaN(x)) { // no trainable matrix: its norm column is NaN in both
            assertThat(b[col]).as("row %d column %d", row, col).isEqualTo(a[col]);
            continue;
          }
          assertThat(Double.parseDouble(b[col]))
              .as("row %d column %d", row, col)
              .isCloseTo(x, Assertions.within(1e-4 * Math.max(1, Math.abs(x))));
        }
      }
    }
    // Float differences in the reduction order can move a deep rank by one (MRR by ~5e-6).
    for (FineTuneResult r : results.subList(1, results.size())) {
      r.finalTest()
          .metrics()
          .forEach(
              (k, v) ->
                  assertThat(v)
                      .as(k)
                      .isCloseTo(results.get(0).finalTest().get(k), Assertions.within(1e-3)));
    }
    return single;
  }

  @Test
  void optionsNameTheBadField() {
    assertThatThrownBy(() -> tiny().historyNegativeMargin(-0.1).build())
        .hasMessage("historyNegativeMargin = -0.1 must be in [0, 2] (a cosine margin; 0 = none)");
    assertThatThrownBy(() -> tiny().historyPenalty(-0.1).build())
        .hasMessage("historyPenalty = -0.1 must be in [0, 2] (cosine; 0 = none, the paper)");
    assertThatThrownBy(() -> tiny().lengthGroupBatches(-1).build())
        .hasMessage("lengthGroupBatches = -1 must be >= 0 (0 = random batches)");
    assertThatThrownBy(() -> tiny().matrixRefreshSteps(-1).build())
        .hasMessage("matrixRefreshSteps = -1 must be >= 0 (0 = once per epoch)");
    assertThatThrownBy(() -> tiny().variant(Variant.FIXED_MATRIX).matrixRefreshSteps(10).build())
        .hasMessage(
            "matrixRefreshSteps = 10 needs a variant whose stage 1 re-encodes the item"
                + " matrix (BOTH_STAGES or STAGE1_ONLY), not FIXED_MATRIX");
    assertThatThrownBy(() -> tiny().matrixLearningRate(1e-3).build())
        .hasMessage(
            "matrixLearningRate = 0.001 needs a trainable matrix (variant"
                + " TRAINABLE_MATRIX, or stage2TrainsMatrix = true), not BOTH_STAGES");
    assertThatThrownBy(() -> tiny().variant(Variant.STAGE2_ONLY).stage2TrainsMatrix(true).build())
        .hasMessage(
            "stage2TrainsMatrix = true needs the variant BOTH_STAGES (TRAINABLE_MATRIX"
                + " trains the matrix in its only stage), not STAGE2_ONLY");
    assertThatThrownBy(
            () -> tiny().variant(Variant.TRAINABLE_MATRIX).matrixLearningRate(-1).build())
        .hasMessage("matrixLearningRate = -1.0 must be in [0, 1) (0 = learningRate)");
    assertThatThrownBy(() -> tiny().testUsers(-1).build())
        .hasMessage("testUsers = -1 must be >= 0 (0 = all)");
    assertThatThrownBy(() -> tiny().stage2Minutes(-1).build())
        .hasMessageContaining("stage2Minutes = -1.0");
    assertThatThrownBy(() -> tiny().stage2Epochs(-1).build())
        .hasMessage("stage2Epochs = -1 must be >= 0 (0 = epochs)");
    assertThatThrownBy(() -> tiny().stage2LearningRate(1.5).build())
        .hasMessage("stage2LearningRate = 1.5 must be in [0, 1) (0 = learningRate)");
    assertThatThrownBy(() -> tiny().batchSize(0).build()).hasMessage("batchSize = 0 must be >= 1");
    assertThatThrownBy(() -> tiny().device("tpu").build())
        .hasMessageContaining("device = 'tpu' must be cpu, gpu or gpu:N");
    assertThatThrownBy(() -> tiny().validationMetric("NDCG@5").build())
        .hasMessageContaining("validationMetric = 'NDCG@5'");
    assertThat(FineTuneOptions.defaults().batchSize()).isEqualTo(16);
    assertThat(FineTuneOptions.defaults().gradientAccumulation()).isEqualTo(8);
    assertThat(FineTuneOptions.defaults().warmupSteps()).isEqualTo(100);
  }

  @Test
  void aGpuRequestOnThisCpuBuildSaysWhatIsMissing(@TempDir Path dir) {
    FineTuner tuner =
        new FineTuner(tiny().device("gpu").build(), config, initial, tokenizer, split);
    assertThatThrownBy(() -> tuner.run(dir.resolve("run")))
        .isInstanceOf(DeviceUnavailableException.class)
        .isInstanceOf(IllegalArgumentException.class) // a setting error: the CLI exits with 2
        .hasMessageContaining("PYTORCH_LIBRARY_PATH")
        .hasMessageContaining("PYTORCH_FLAVOR")
        .hasMessageContaining("docs/gpu.md");
  }
}
