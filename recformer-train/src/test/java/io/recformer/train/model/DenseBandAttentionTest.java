package io.recformer.train.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.optim.OptimizerStep;
import io.recformer.train.weights.WeightTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The dense band path ({@link AttentionMode#DENSE_BAND}) against the chunked one ({@link
 * AttentionMode#CHUNKED}): hidden states, pooled output and every parameter's gradient agree for
 * rows of uneven length, up to three global tokens per row (one row with none) and a length that is
 * not a multiple of w/2; and {@link AttentionMode#SLIDING_WINDOW} takes the path its rule says.
 */
class DenseBandAttentionTest {

  private static final double TOLERANCE = 1e-5;

  @Test
  void denseBandEqualsChunksInForwardAndGradients() {
    RecformerConfig config = Fixtures.tiny(2, 2, 8, 8);
    int length = 21; // padded to 24 = 6 chunks of w/2 = 4
    int[] lengths = {21, 13, 5, 18};
    EncodedBatch base =
        Fixtures.batch(
            config,
            length,
            lengths,
            new boolean[] {true, true, false, true},
            new int[] {9, 0, 0, 17},
            3);
    // A third global token in row 0 and a lone non-CLS global in row 2.
    int[] global = base.globalAttentionMask().clone();
    global[14] = 1;
    global[2 * length + 3] = 1;
    EncodedBatch batch =
        new EncodedBatch(
            base.batchSize(),
            length,
            base.inputIds(),
            base.tokenTypeIds(),
            base.tokenPositionIds(),
            base.itemPositionIds(),
            base.attentionMask(),
            global);
    try (NDManager manager = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
      Map<String, WeightTensor> weights = Fixtures.randomWeights(model.parameterShapes(), 5, 0.3);
      model.loadWeights(weights);
      float[] lossWeights = lossWeights(lengths, length, config.hiddenSize());
      Run chunked = run(manager, model, batch, lossWeights, AttentionMode.CHUNKED);
      Run dense = run(manager, model, batch, lossWeights, AttentionMode.DENSE_BAND);
      assertThat(maxDiff(chunked.hidden, dense.hidden, batch, config.hiddenSize()))
          .as("hidden states, real tokens")
          .isLessThan(TOLERANCE);
      assertThat(maxAbs(chunked.pooled, dense.pooled)).as("pooled").isLessThan(TOLERANCE);
      assertThat(dense.gradients.keySet()).isEqualTo(chunked.gradients.keySet());
      for (Map.Entry<String, float[]> e : chunked.gradients.entrySet()) {
        float[] want = e.getValue();
        float[] got = dense.gradients.get(e.getKey());
        double scale = 1;
        for (float v : want) {
          scale = Math.max(scale, Math.abs(v));
        }
        assertThat(maxAbs(want, got) / scale)
            .as("gradient of %s, relative to its largest entry", e.getKey())
            .isLessThan(TOLERANCE);
      }
      // The comparison is not between zeros: both attention paths' weights got real gradients.
      for (String name :
          List.of(
              "encoder.layer.0.attention.self.query.weight",
              "encoder.layer.0.attention.self.key_global.weight",
              "encoder.layer.1.attention.self.value_global.weight")) {
        assertThat(
                maxAbs(chunked.gradients.get(name), new float[chunked.gradients.get(name).length]))
            .as("largest |gradient| of %s", name)
            .isGreaterThan(1e-3);
      }
    }
  }

  @Test
  void slidingWindowTakesTheDenseBandUpToTheMeasuredLength() {
    int c = 32;
    int limit = AttentionMode.DENSE_MAX_CHUNKS * c;
    assertThat(AttentionMode.SLIDING_WINDOW.resolve(limit, c)).isEqualTo(AttentionMode.DENSE_BAND);
    assertThat(AttentionMode.SLIDING_WINDOW.resolve(limit + c, c)).isEqualTo(AttentionMode.CHUNKED);
    assertThat(AttentionMode.CHUNKED.resolve(c, c)).isEqualTo(AttentionMode.CHUNKED);
    assertThat(AttentionMode.DENSE_BAND.resolve(64 * c, c)).isEqualTo(AttentionMode.DENSE_BAND);
    try (NDManager manager = NDManager.newBaseManager()) {
      int[] ones = new int[2 * limit];
      Arrays.fill(ones, 1);
      int[] global = new int[2 * limit];
      AttentionMasks masks =
          new AttentionMasks(manager, 2, limit, 2 * c, ones, global, AttentionMode.SLIDING_WINDOW);
      assertThat(masks.path).isEqualTo(AttentionMode.DENSE_BAND);
      assertThat(masks.windowBias).isNull();
      assertThat(masks.fullBias.getShape()).isEqualTo(new Shape(2, 1, limit, limit));
    }
  }

  /** Outputs and gradients of one forward + backward. */
  private static final class Run {
    final float[] hidden;
    final float[] pooled;
    final Map<String, float[]> gradients;

    Run(float[] hidden, float[] pooled, Map<String, float[]> gradients) {
      this.hidden = hidden;
      this.pooled = pooled;
      this.gradients = gradients;
    }
  }

  private static Run run(
      NDManager manager,
      RecformerModel model,
      EncodedBatch batch,
      float[] lossWeights,
      AttentionMode mode) {
    List<NDArray> params = new ArrayList<>();
    for (String name : model.parameterShapes().keySet()) {
      params.add(model.parameter(name).getArray());
    }
    model.freezeWordEmbeddings(true);
    OptimizerStep.zeroGradients(params);
    float[] hidden;
    float[] pooled;
    try (NDManager scope = manager.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      EncoderOutput out = model.encode(scope, batch, true, mode);
      NDArray w = scope.create(lossWeights, out.hiddenStates().getShape());
      NDArray loss = out.hiddenStates().mul(w).sum().add(out.pooled().square().sum());
      collector.backward(loss);
      hidden = out.hiddenStates().toFloatArray();
      pooled = out.pooled().toFloatArray();
    }
    Map<String, float[]> gradients = new LinkedHashMap<>();
    for (String name : model.parameterShapes().keySet()) {
      NDArray p = model.parameter(name).getArray();
      if (p.hasGradient()) {
        try (NDArray g = p.getGradient()) {
          gradients.put(name, g.toFloatArray());
        }
      }
    }
    return new Run(hidden, pooled, gradients);
  }

  /** Random weights on real tokens, zero on padding (padding outputs are not defined). */
  private static float[] lossWeights(int[] lengths, int length, int d) {
    Random random = new Random(17);
    float[] w = new float[lengths.length * length * d];
    for (int r = 0; r < lengths.length; r++) {
      for (int i = 0; i < lengths[r]; i++) {
        for (int k = 0; k < d; k++) {
          w[(r * length + i) * d + k] = (float) random.nextGaussian();
        }
      }
    }
    return w;
  }

  private static double maxDiff(float[] a, float[] b, EncodedBatch batch, int d) {
    double max = 0;
    int n = batch.length();
    for (int r = 0; r < batch.batchSize(); r++) {
      for (int i = 0; i < batch.sequenceLength(r); i++) {
        for (int k = 0; k < d; k++) {
          int at = (r * n + i) * d + k;
          max = Math.max(max, Math.abs(a[at] - b[at]));
        }
      }
    }
    return max;
  }

  private static double maxAbs(float[] a, float[] b) {
    assertThat(b).hasSameSizeAs(a);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
