package io.recformer.train.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.checkpoint.ResumePoint;
import io.recformer.train.model.Precision;
import io.recformer.train.run.RunDirectory;
import io.recformer.train.testing.TinySetup;
import io.recformer.train.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning in {@link Precision#FP16_MIXED} on the CPU (float16 kernels are slow there but exact
 * enough to compare): the step losses follow float32's, and a resumed run continues with the loss
 * scaler's saved state.
 */
class MixedPrecisionFineTuneTest {

  private static RecformerConfig config;
  private static RecformerConfig withDropout;
  private static RecformerTokenizer tokenizer;
  private static LeaveOneOutSplit split;
  private static Map<String, WeightTensor> initial;

  @BeforeAll
  static void setUp(@TempDir Path dir) throws Exception {
    withDropout = TinySetup.tinyConfig();
    config = withDropout.toBuilder().hiddenDropout(0).attentionDropout(0).build();
    tokenizer = TinySetup.tokenizer(dir, config);
    split = TinySetup.slice(24);
    initial = TinySetup.randomWeights(config, 3);
  }

  @AfterAll
  static void tearDown() {
    tokenizer.close();
  }

  static FineTuneOptions.Builder tiny() {
    return FineTunerTest.tiny().zeroShotTest(false);
  }

  /** The rows of a run's metrics-steps.csv, split into fields (header first). */
  static List<String[]> steps(Path run) throws Exception {
    return Files.readAllLines(run.resolve("metrics-steps.csv")).stream()
        .map(line -> line.split(",", -1))
        .toList();
  }

  @Test
  void fewStepsGiveTheLossesOfFloat32(@TempDir Path dir) throws Exception {
    FineTuneOptions.Builder base = tiny().epochs(1).samplesPerEpoch(24);
    List<String[]> fp32 =
        steps(
            new FineTuner(base.build(), config, initial, tokenizer, split)
                .run(dir.resolve("a"))
                .runDirectory());
    List<String[]> fp16 =
        steps(
            new FineTuner(
                    base.precision(Precision.FP16_MIXED).build(), config, initial, tokenizer, split)
                .run(dir.resolve("b"))
                .runDirectory());
    assertThat(fp16).hasSameSizeAs(fp32);
    assertThat(fp32.size()).isGreaterThanOrEqualTo(5); // a header and two stages of 2 steps
    int loss = List.of(fp32.get(0)).indexOf("loss");
    int norm = List.of(fp32.get(0)).indexOf("grad_norm");
    int skipped = List.of(fp32.get(0)).indexOf("skipped");
    double worstLoss = 0;
    for (int row = 1; row < fp32.size(); row++) {
      assertThat(fp16.get(row)[skipped]).as("row %d skipped", row).isEqualTo("0");
      double a = Double.parseDouble(fp32.get(row)[loss]);
      double b = Double.parseDouble(fp16.get(row)[loss]);
      worstLoss = Math.max(worstLoss, Math.abs(a - b) / a);
      double na = Double.parseDouble(fp32.get(row)[norm]);
      // Measured: gradient norms within 1.1e-3 relative (float16 rounding of the products).
      assertThat(Double.parseDouble(fp16.get(row)[norm]))
          .as("row %d gradient norm", row)
          .isCloseTo(na, Assertions.within(5e-3 * na));
    }
    // Measured 1.7e-7: the tiny random encoder maps the items to nearly one vector, so the
    // softmax is almost flat and its loss (about ln(items)) barely feels the encoder's rounding;
    // the gradient norms above, which depend on every weight, are the sensitive comparison.
    assertThat(worstLoss).as("largest relative loss difference").isLessThan(2e-6).isGreaterThan(0);
  }

  @Test
  void aResumedRunContinuesWithTheSavedLossScale(@TempDir Path dir) throws Exception {
    // Dropout on, so float16 dropout runs too (and replays the same masks after the resume).
    FineTuneOptions o = tiny().precision(Precision.FP16_MIXED).build();
    Path full =
        new FineTuner(o, withDropout, initial, tokenizer, split)
            .run(dir.resolve("full"))
            .runDirectory();
    FineTuner interrupted = new FineTuner(o, withDropout, initial, tokenizer, split);
    interrupted.interruptAfterEpochs(3); // after stage 2's first epoch
    assertThatThrownBy(() -> interrupted.run(dir.resolve("resumed")))
        .isInstanceOf(FineTuner.Interrupted.class);
    JsonNode atStop = scalerState(dir.resolve("resumed"));
    new FineTuner(o, withDropout, initial, tokenizer, split).resume(dir.resolve("resumed"));
    JsonNode finished = scalerState(full);
    // Stage 2's scaler counts its good steps through the interruption: a scaler that restarted
    // at the resume would have counted only the second epoch's.
    assertThat(finished.get("goodSteps").asInt())
        .isEqualTo(2 * atStop.get("goodSteps").asInt())
        .isPositive();
    assertThat(scalerState(dir.resolve("resumed"))).isEqualTo(finished);
    assertThat(Files.readString(dir.resolve("resumed/metrics-steps.csv")))
        .isEqualTo(Files.readString(full.resolve("metrics-steps.csv")));
  }

  private static JsonNode scalerState(Path run) throws Exception {
    return RunDirectory.JSON.readTree(
        run.resolve("last").resolve(ResumePoint.LOSS_SCALER_FILE).toFile());
  }
}
