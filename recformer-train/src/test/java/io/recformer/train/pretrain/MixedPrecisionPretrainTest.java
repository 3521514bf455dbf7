package io.recformer.train.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.checkpoint.ResumePoint;
import io.recformer.train.model.Precision;
import io.recformer.train.run.RunDirectory;
import io.recformer.train.run.RunStoppedException;
import io.recformer.train.run.StopSignal;
import io.recformer.train.testing.TinySetup;
import io.recformer.train.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pre-training in {@link Precision#FP16_MIXED} on the CPU: the IIC and MLM losses follow float32's
 * (the MLM head's products run in float16, its logits in float32), and the run-wide loss scaler
 * survives a stop and resume.
 */
class MixedPrecisionPretrainTest {

  private static RecformerConfig config;
  private static RecformerTokenizer tokenizer;
  private static LeaveOneOutSplit split;
  private static Map<String, WeightTensor> initial;
  private static List<UserHistory> train;
  private static List<UserHistory> heldOut;

  @BeforeAll
  static void setUp(@TempDir Path dir) throws Exception {
    config = TinySetup.tinyConfig().toBuilder().hiddenDropout(0).attentionDropout(0).build();
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
    return PretrainOptions.defaults().withBudget(2, 8, 1, 1e-3).withSeed(4);
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

  private static List<String[]> steps(Path run) throws Exception {
    return Files.readAllLines(run.resolve("metrics-steps.csv")).stream()
        .map(line -> line.split(",", -1))
        .toList();
  }

  @Test
  void theLossesFollowFloat32(@TempDir Path dir) throws Exception {
    List<String[]> fp32 = steps(pretrainer(tiny()).run(dir.resolve("a")).runDirectory());
    List<String[]> fp16 =
        steps(
            pretrainer(tiny().withPrecision(Precision.FP16_MIXED))
                .run(dir.resolve("b"))
                .runDirectory());
    assertThat(fp16).hasSameSizeAs(fp32);
    assertThat(fp32.size()).isGreaterThanOrEqualTo(4);
    List<String> header = List.of(fp32.get(0));
    int skipped = header.indexOf("skipped");
    double worst = 0;
    for (int row = 1; row < fp32.size(); row++) {
      assertThat(fp16.get(row)[skipped]).as("row %d skipped", row).isEqualTo("0");
      for (String column : new String[] {"loss", "iic_loss", "mlm_loss"}) {
        double a = Double.parseDouble(fp32.get(row)[header.indexOf(column)]);
        double b = Double.parseDouble(fp16.get(row)[header.indexOf(column)]);
        worst = Math.max(worst, Math.abs(a - b) / Math.abs(a));
      }
    }
    // Measured 1.2e-6 relative (the MLM loss); a float32 run would be bit-identical (> 0).
    assertThat(worst).as("largest relative loss difference").isLessThan(1e-5).isGreaterThan(0);
  }

  @Test
  void aStoppedRunResumesWithItsLossScale(@TempDir Path dir) throws Exception {
    PretrainOptions o = tiny().withPrecision(Precision.FP16_MIXED);
    Path full = pretrainer(o).run(dir.resolve("full")).runDirectory();
    Path resumed = dir.resolve("resumed");
    Pretrainer stopped = pretrainer(o);
    StopSignal stop = StopSignal.none();
    stop.request("SIGINT");
    stopped.stopOn(stop);
    assertThatThrownBy(() -> stopped.run(resumed)).isInstanceOf(RunStoppedException.class);
    assertThat(scalerState(resumed).get("goodSteps").asInt()).isEqualTo(1);
    pretrainer(o).resume(resumed);
    // One scaler for the whole run: the resumed one goes on counting from the saved step.
    JsonNode finished = scalerState(full);
    assertThat(finished.get("goodSteps").asInt()).isEqualTo(steps(full).size() - 1);
    assertThat(scalerState(resumed)).isEqualTo(finished);
    assertThat(Files.readString(resumed.resolve("metrics-steps.csv")))
        .isEqualTo(Files.readString(full.resolve("metrics-steps.csv")));
  }

  private static JsonNode scalerState(Path run) throws Exception {
    return RunDirectory.JSON.readTree(
        run.resolve("last").resolve(ResumePoint.LOSS_SCALER_FILE).toFile());
  }
}
