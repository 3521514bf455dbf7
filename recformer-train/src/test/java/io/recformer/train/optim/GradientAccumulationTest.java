package io.recformer.train.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.loss.ItemSoftmaxLoss;
import io.recformer.train.model.RecformerModel;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Two micro-batches of 2 with the loss divided by 2 give the gradient of one batch of 4 (the
 * trainers' accumulation: PyTorch adds the gradients of successive backward passes and {@link
 * AdamW#step} zeroes them only after the update).
 */
class GradientAccumulationTest {

  private static final RecformerConfig CONFIG =
      RecformerConfig.miniLmL6().toBuilder()
          .vocabSize(60)
          .hiddenSize(8)
          .numLayers(1)
          .numHeads(2)
          .intermediateSize(16)
          .maxPositions(40)
          .maxItems(4)
          .maxItemPositions(5)
          .maxTokens(16)
          .attentionWindow(8)
          .dropout(0)
          .pooling(Pooling.CLS)
          .build();

  private static EncodedBatch rows(int from, int to) {
    int n = 8;
    int b = to - from;
    int[] ids = new int[b * n];
    int[] types = new int[b * n];
    int[] pos = new int[b * n];
    int[] items = new int[b * n];
    int[] att = new int[b * n];
    int[] global = new int[b * n];
    for (int r = 0; r < b; r++) {
      Random random = new Random(100 + from + r);
      for (int i = 0; i < n; i++) {
        int at = r * n + i;
        ids[at] = i == 0 ? 1 : 5 + random.nextInt(50);
        types[at] = i == 0 ? 0 : 2;
        pos[at] = i;
        items[at] = i == 0 ? 0 : 1;
        att[at] = 1;
      }
      global[r * n] = 1;
    }
    return new EncodedBatch(b, n, ids, types, pos, items, att, global);
  }

  private static void backward(
      RecformerModel model, NDManager m, NDArray matrix, int from, int to, float divisor) {
    int[] targets = new int[to - from];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = (from + i) % 5;
    }
    try (NDManager scope = m.newSubManager();
        GradientCollector c = Engine.getInstance().newGradientCollector()) {
      NDArray q = model.encode(scope, rows(from, to), true).pooled().normalize(2, 1, 1e-8);
      ItemSoftmaxLoss.Result r = ItemSoftmaxLoss.compute(q, matrix, targets, 0.05, 2, scope);
      c.backward(ItemSoftmaxLoss.surrogate(q, r.queryGradient()).div(divisor));
    }
  }

  private static float[] gradient(RecformerModel model, String name) {
    try (NDArray g = model.parameter(name).getArray().getGradient()) {
      return g.toFloatArray();
    }
  }

  @Test
  void accumulatedMicroBatchesEqualOneBatch() {
    String name = "encoder.layer.0.output.dense.weight";
    try (NDManager m = NDManager.newBaseManager();
        RecformerModel whole = RecformerModel.newInstance(m, CONFIG, 3);
        RecformerModel parts = RecformerModel.newInstance(m, CONFIG, 3)) {
      float[] values = new float[5 * 8];
      Random random = new Random(1);
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) random.nextGaussian();
      }
      NDArray matrix = m.create(values, new Shape(5, 8)).normalize(2, 1, 1e-8);
      backward(whole, m, matrix, 0, 4, 1f);
      backward(parts, m, matrix, 0, 2, 2f);
      backward(parts, m, matrix, 2, 4, 2f);
      float[] expected = gradient(whole, name);
      float[] actual = gradient(parts, name);
      float scale = 0;
      for (float v : expected) {
        scale = Math.max(scale, Math.abs(v));
      }
      assertThat(scale).isGreaterThan(0f);
      for (int i = 0; i < expected.length; i++) {
        assertThat(actual[i]).as("%s[%d]", name, i).isCloseTo(expected[i], within(1e-4f * scale));
      }
    }
  }
}
