package io.recformer.train.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.DynamicLossScaler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loss scaler's state in the resumable checkpoint, and checkpoints without one. */
class ResumePointTest {

  private static RecformerConfig config() {
    return RecformerConfig.miniLmL6().toBuilder()
        .vocabSize(50)
        .hiddenSize(8)
        .numLayers(1)
        .numHeads(2)
        .intermediateSize(16)
        .maxPositions(40)
        .maxItems(4)
        .maxItemPositions(5)
        .maxTokens(32)
        .attentionWindow(8)
        .dropout(0)
        .pooling(Pooling.CLS)
        .build();
  }

  @Test
  void theScaleAndItsGoodStepsComeBackOnResume(@TempDir Path dir) throws IOException {
    DynamicLossScaler saved = DynamicLossScaler.defaults();
    saved.update(true); // an overflow: 2^15
    for (int i = 0; i < 7; i++) {
      saved.update(false);
    }
    save(dir, saved);
    assertThat(Files.readString(dir.resolve(ResumePoint.LOSS_SCALER_FILE)))
        .contains("\"format\" : \"recformer-loss-scaler-1\"");

    DynamicLossScaler resumed = DynamicLossScaler.defaults();
    assertThat(ResumePoint.restoreLossScaler(dir, resumed)).isTrue();
    assertThat(resumed.scale()).isEqualTo(32768);
    assertThat(resumed.goodSteps()).isEqualTo(7);
  }

  @Test
  void aCheckpointWithoutScalerStateLoadsAndLeavesTheScalerAsItWas(@TempDir Path dir)
      throws IOException {
    DynamicLossScaler mixed = DynamicLossScaler.defaults();
    mixed.update(true);
    save(dir, mixed);
    // A float32 save into the same directory removes the stale state: as an old checkpoint.
    save(dir, null);
    assertThat(dir.resolve(ResumePoint.LOSS_SCALER_FILE)).doesNotExist();
    DynamicLossScaler fresh = DynamicLossScaler.defaults();
    assertThat(ResumePoint.restoreLossScaler(dir, fresh)).isFalse();
    assertThat(fresh.scale()).isEqualTo(DynamicLossScaler.INITIAL_SCALE);
    assertThat(fresh.goodSteps()).isZero();
    try (NDManager m = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(m, config(), 9);
        AdamW adam = new AdamW(m, AdamW.Options.withWeightDecay(0))) {
      ResumePoint.restore(dir, model, adam, true); // weights and optimizer as before
    }
    assertThat(ResumePoint.restoreLossScaler(dir, null)).isFalse();
  }

  @Test
  void anUnknownFormatIsRejectedWithTheFileAndTheExpectedFormat(@TempDir Path dir)
      throws IOException {
    save(dir, DynamicLossScaler.defaults());
    Path file = dir.resolve(ResumePoint.LOSS_SCALER_FILE);
    Files.writeString(
        file,
        "{\"format\": \"recformer-loss-scaler-9\", \"scale\": 2, \"goodSteps\": 0}",
        StandardCharsets.UTF_8);
    DynamicLossScaler s = DynamicLossScaler.defaults();
    assertThatThrownBy(() -> ResumePoint.restoreLossScaler(dir, s))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("'recformer-loss-scaler-9', expected 'recformer-loss-scaler-1'");
    Files.writeString(
        file,
        "{\"format\": \"recformer-loss-scaler-1\", \"scale\": 0.5, \"goodSteps\": 0}",
        StandardCharsets.UTF_8);
    assertThatThrownBy(() -> ResumePoint.restoreLossScaler(dir, s))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("must be >= 1");
    assertThat(s.scale()).isEqualTo(DynamicLossScaler.INITIAL_SCALE);
  }

  private static void save(Path dir, DynamicLossScaler scaler) throws IOException {
    try (NDManager m = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(m, config(), 9);
        AdamW adam = new AdamW(m, AdamW.Options.withWeightDecay(0))) {
      ResumePoint.save(
          dir, model, Checkpoints.manifest(model, "fingerprint", 9, Map.of()), adam, scaler);
    }
  }
}
