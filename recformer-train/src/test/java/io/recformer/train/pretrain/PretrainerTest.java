package io.recformer.train.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.model.Precision;
import io.recformer.train.run.RunStoppedException;
import io.recformer.train.run.StopSignal;
import io.recformer.train.testing.TinySetup;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
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

/** Tiny pre-training runs on a slice of UniSRec Scientific. */
class PretrainerTest {

  private static RecformerConfig config;
  private static RecformerTokenizer tokenizer;
  private static LeaveOneOutSplit split;
  private static Map<String, WeightTensor> initial;
  private static List<UserHistory> train;
  private static List<UserHistory> heldOut;

  @BeforeAll
  static void setUp(@TempDir Path dir) throws Exception {
    config = TinySetup.tinyConfig();
    tokenizer = TinySetup.tokenizer(dir, config);
    split = TinySetup.slice(30);
    initial = TinySetup.randomWeights(config, 5);
    List<UserHistory> users = split.dataset().users();
    train = users.subList(0, 22);
    heldOut = users.subList(22, 30);
  }

  @AfterAll
  static void tearDown() {
    tokenizer.close();
  }

  private static PretrainOptions tiny() {
    return PretrainOptions.defaults().withBudget(2, 8, 2, 1e-3).withSeed(4);
  }

  private Pretrainer pretrainer(PretrainOptions o) {
    return new Pretrainer(
        o,
        config,
        initial,
        tokenizer,
        split.dataset().items(),
        train,
        heldOut,
        split.dataset().fingerprint());
  }

  @Test
  void trainsWithFrozenWordEmbeddingsAndKeepsTheBestCheckpoint(@TempDir Path dir) throws Exception {
    PretrainResult r = pretrainer(tiny()).run(dir.resolve("run"));
    Path run = r.runDirectory();
    for (String f :
        new String[] {
          "config.json",
          "provenance.json",
          "metrics-steps.csv",
          "metrics-eval.csv",
          "report.json",
          "report.md",
          "loss.png",
          "validation.png",
          "best/model.safetensors",
          "best/manifest.json",
          "last/optimizer.safetensors"
        }) {
      assertThat(run.resolve(f)).as(f).isRegularFile();
    }
    // 22 pairs per epoch in batches of 8 (8, 8, 6) with accumulation 2: 2 steps per epoch.
    assertThat(r.steps()).isEqualTo(4);
    // The kept accuracy is the best validation row of the run's own log (and the report says so).
    List<String> evals = Files.readAllLines(run.resolve("metrics-eval.csv"));
    assertThat(evals.get(0)).isEqualTo("epoch,step,split,accuracy,pairs");
    double bestLogged =
        evals.subList(1, evals.size()).stream()
            .mapToDouble(row -> Double.parseDouble(row.split(",", -1)[3]))
            .max()
            .orElseThrow();
    assertThat(r.bestAccuracy()).isCloseTo(bestLogged, Assertions.within(1e-6));
    List<String> steps = Files.readAllLines(run.resolve("metrics-steps.csv"));
    assertThat(steps.get(0))
        .isEqualTo("epoch,step,loss,iic_loss,mlm_loss,learning_rate,grad_norm,skipped");
    String[] first = steps.get(1).split(",", -1);
    double total = Double.parseDouble(first[2]);
    double iic = Double.parseDouble(first[3]);
    double mlm = Double.parseDouble(first[4]);
    // loss = IIC + 0.1 * (MLM_history + MLM_positive), the original's sum: the logged MLM is the
    // sum of two terms of about ln(30522) = 10.3 each for an untrained head (a mean of the two,
    // the earlier weighting, would be about 10.3).
    assertThat(total).isCloseTo(iic + 0.1 * mlm, Assertions.within(1e-4));
    assertThat(mlm).isBetween(16.0, 24.0);
    assertThat(first[7]).as("skipped").isEqualTo("0");
    Map<String, WeightTensor> last =
        SafeTensors.read(run.resolve("last/model.safetensors")).tensors();
    assertThat(last.get("embeddings.word_embeddings.weight"))
        .isEqualTo(initial.get("embeddings.word_embeddings.weight"));
    assertThat(last.get("encoder.layer.0.output.dense.weight"))
        .isNotEqualTo(initial.get("encoder.layer.0.output.dense.weight"));
    assertThat(last.get("lm_head.dense.weight")).isNotEqualTo(initial.get("lm_head.dense.weight"));
  }

  @Test
  void holdingOutLastItemsEqualsPretrainingOnTheCutSequences(@TempDir Path dir) throws Exception {
    List<UserHistory> cutTrain = new ArrayList<>();
    for (UserHistory u : train) {
      cutTrain.add(u.prefix(u.size() - 2)); // slice users have >= 5 items
    }
    List<UserHistory> cutHeldOut = new ArrayList<>();
    for (UserHistory u : heldOut) {
      cutHeldOut.add(u.prefix(u.size() - 2));
    }
    pretrainer(tiny().withHoldOutLastItems(2)).run(dir.resolve("option"));
    new Pretrainer(
            tiny(),
            config,
            initial,
            tokenizer,
            split.dataset().items(),
            cutTrain,
            cutHeldOut,
            split.dataset().fingerprint())
        .run(dir.resolve("cut"));
    pretrainer(tiny()).run(dir.resolve("whole"));
    for (String csv : new String[] {"metrics-steps.csv", "metrics-eval.csv"}) {
      assertThat(Files.readString(dir.resolve("option").resolve(csv)))
          .as(csv)
          .isEqualTo(Files.readString(dir.resolve("cut").resolve(csv)))
          .isNotEqualTo(Files.readString(dir.resolve("whole").resolve(csv)));
    }
    assertThat(Files.readString(dir.resolve("option/config.json")))
        .contains("\"holdOutLastItems\" : 2");
  }

  @Test
  void withoutLastItemsKeepsEverySequenceAndEmptiesTheShortOnes() {
    List<UserHistory> cut =
        Pretrainer.withoutLastItems(
            List.of(
                UserHistory.of("a", List.of("1", "2", "3", "4")),
                UserHistory.of("b", List.of("5"))),
            2);
    assertThat(cut).extracting(UserHistory::itemIds).containsExactly(List.of("1", "2"), List.of());
    assertThatThrownBy(() -> PretrainOptions.defaults().withHoldOutLastItems(-1))
        .hasMessageContaining("holdOutLastItems = -1");
  }

  @Test
  void resumeAndDeterminism(@TempDir Path dir) throws Exception {
    pretrainer(tiny()).run(dir.resolve("full"));
    Pretrainer interrupted = pretrainer(tiny());
    interrupted.interruptAfterEpochs(1);
    assertThatThrownBy(() -> interrupted.run(dir.resolve("resumed")))
        .isInstanceOf(Pretrainer.Interrupted.class);
    pretrainer(tiny()).resume(dir.resolve("resumed"));
    for (String csv : new String[] {"metrics-steps.csv", "metrics-eval.csv"}) {
      assertThat(Files.readString(dir.resolve("resumed").resolve(csv)))
          .as(csv)
          .isEqualTo(Files.readString(dir.resolve("full").resolve(csv)));
    }
    assertThat(SafeTensors.read(dir.resolve("resumed/last/model.safetensors")).tensors())
        .isEqualTo(SafeTensors.read(dir.resolve("full/last/model.safetensors")).tensors());
  }

  @Test
  void aStopRequestSavesAfterTheCurrentStepAndTheResumedRunEqualsAnUninterruptedOne(
      @TempDir Path dir) throws Exception {
    // Accumulation 1, validation once per epoch: 3 steps per epoch, the stop falls after step 1.
    PretrainOptions o =
        new PretrainOptions(
            2, 8, 1, 1e-3, 0, 0.0, 1.0, 0.15, true, 0, 0, 4, "cpu", 0, 0, Precision.FP32);
    pretrainer(o).run(dir.resolve("full"));
    Path resumed = dir.resolve("resumed");
    Pretrainer stopped = pretrainer(o);
    StopSignal stop = StopSignal.none();
    stop.request("SIGINT");
    stopped.stopOn(stop);
    assertThatThrownBy(() -> stopped.run(resumed))
        .isInstanceOf(RunStoppedException.class)
        .hasMessageContaining("stopped by SIGINT after optimizer step 1;")
        .satisfies(e -> assertThat(((RunStoppedException) e).exitCode()).isEqualTo(130));
    JsonNode state = new ObjectMapper().readTree(resumed.resolve("state.json").toFile());
    assertThat(state.get("globalStep").asLong()).isEqualTo(1);
    assertThat(state.get("pairsDoneInEpoch").asInt()).isEqualTo(8);
    PretrainResult r = pretrainer(o).resume(resumed);
    assertThat(r.steps()).isEqualTo(6);
    for (String csv : new String[] {"metrics-steps.csv", "metrics-eval.csv"}) {
      assertThat(Files.readString(resumed.resolve(csv)))
          .as(csv)
          .isEqualTo(Files.readString(dir.resolve("full").resolve(csv)));
    }
    assertThat(SafeTensors.read(resumed.resolve("last/model.safetensors")).tensors())
        .isEqualTo(SafeTensors.read(dir.resolve("full/last/model.safetensors")).tensors());
  }

  @Test
  void resumesFromValidationsInsideAnEpochAsIfNeverStopped(@TempDir Path dir) throws Exception {
    // Accumulation 1: batches of 8, 8 and 6 pairs make 3 steps per epoch, each validated, so
    // steps 1, 2, 4 and 5 are saves inside an epoch. Interrupt in both epochs, resume twice.
    PretrainOptions o =
        new PretrainOptions(
            2, 8, 1, 1e-3, 0, 0.0, 1.0, 0.15, true, 1, 0, 4, "cpu", 0, 0, Precision.FP32);
    pretrainer(o).run(dir.resolve("full"));
    Path resumed = dir.resolve("resumed");
    Pretrainer first = pretrainer(o);
    first.interruptAfterStep(1);
    assertThatThrownBy(() -> first.run(resumed))
        .isInstanceOf(Pretrainer.Interrupted.class)
        .hasMessageContaining("step 1");
    JsonNode state = new ObjectMapper().readTree(resumed.resolve("state.json").toFile());
    assertThat(state.get("epoch").asInt()).isZero();
    assertThat(state.get("pairsDoneInEpoch").asInt()).isEqualTo(8);
    Pretrainer second = pretrainer(o);
    second.interruptAfterStep(5);
    assertThatThrownBy(() -> second.resume(resumed))
        .isInstanceOf(Pretrainer.Interrupted.class)
        .hasMessageContaining("step 5");
    state = new ObjectMapper().readTree(resumed.resolve("state.json").toFile());
    assertThat(state.get("epoch").asInt()).isEqualTo(1);
    assertThat(state.get("pairsDoneInEpoch").asInt()).isEqualTo(16);
    PretrainResult r = pretrainer(o).resume(resumed);
    assertThat(r.steps()).isEqualTo(6);
    for (String csv : new String[] {"metrics-steps.csv", "metrics-eval.csv"}) {
      assertThat(Files.readString(resumed.resolve(csv)))
          .as(csv)
          .isEqualTo(Files.readString(dir.resolve("full").resolve(csv)));
    }
    for (String weights : new String[] {"last/model.safetensors", "best/model.safetensors"}) {
      assertThat(SafeTensors.read(resumed.resolve(weights)).tensors())
          .as(weights)
          .isEqualTo(SafeTensors.read(dir.resolve("full").resolve(weights)).tensors());
    }
    assertThat(
            new ObjectMapper()
                .readTree(resumed.resolve("state.json").toFile())
                .get("pairsDoneInEpoch")
                .asInt())
        .isZero();
  }

  @Test
  void dataParallelShardsActLikeMicroBatchesOfTheShardSize(@TempDir Path dir) throws Exception {
    // Data-parallel pre-training draws in-batch negatives within each device's shard, so batch 8
    // on two replicas (shards of 4, accumulation 2) must equal batch 4 with accumulation 4 on one
    // device: the same pairs, masks, losses and gradients step by step (dropout off).
    RecformerConfig noDropout = config.toBuilder().hiddenDropout(0).attentionDropout(0).build();
    List<UserHistory> sixteen = train.subList(0, 16);
    List<List<String>> logs = new ArrayList<>();
    for (PretrainOptions o :
        List.of(
            PretrainOptions.defaults().withBudget(2, 4, 4, 1e-3).withSeed(4),
            PretrainOptions.defaults()
                .withBudget(2, 8, 2, 1e-3)
                .withSeed(4)
                .withDevice("cpu,cpu"))) {
      Path run = dir.resolve(o.device().replace(',', '-'));
      new Pretrainer(
              o,
              noDropout,
              initial,
              tokenizer,
              split.dataset().items(),
              sixteen,
              heldOut,
              split.dataset().fingerprint())
          .run(run);
      logs.add(Files.readAllLines(run.resolve("metrics-steps.csv")));
    }
    assertThat(logs.get(0)).hasSize(3).hasSameSizeAs(logs.get(1));
    for (int row = 1; row < logs.get(0).size(); row++) {
      String[] a = logs.get(0).get(row).split(",", -1);
      String[] b = logs.get(1).get(row).split(",", -1);
      for (int col = 1; col < a.length; col++) {
        double x = Double.parseDouble(a[col]);
        assertThat(Double.parseDouble(b[col]))
            .as("row %d column %d", row, col)
            .isCloseTo(x, Assertions.within(1e-4 * Math.max(1, Math.abs(x))));
      }
    }
  }

  @Test
  void maxStepsBoundsTheRunAndValidatesItsLastStep(@TempDir Path dir) throws Exception {
    // tiny(): 2 epochs of 2 steps; a budget of 3 steps stops inside the second epoch, validating
    // at step 3 although evalEverySteps (2) does not divide it.
    PretrainOptions o =
        new PretrainOptions(
            2, 8, 2, 1e-3, 0, 0.0, 1.0, 0.15, true, 2, 0, 4, "cpu", 3, 0, Precision.FP32);
    PretrainResult r = pretrainer(o).run(dir.resolve("run"));
    assertThat(r.steps()).isEqualTo(3);
    List<String> evals = Files.readAllLines(dir.resolve("run/metrics-eval.csv"));
    assertThat(evals).hasSize(3); // header + steps 2 and 3
    assertThat(evals.get(2).split(",", -1)[1]).isEqualTo("3");
    assertThatThrownBy(() -> tiny().withMaxSteps(-1)).hasMessageContaining("maxSteps = -1");
  }

  @Test
  void rejectsABatchWithoutNegatives() {
    assertThatThrownBy(() -> PretrainOptions.defaults().withBudget(1, 1, 1, 1e-3))
        .hasMessageContaining("batchSize = 1 must be >= 2");
  }
}
