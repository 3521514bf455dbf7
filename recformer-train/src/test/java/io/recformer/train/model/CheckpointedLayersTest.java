package io.recformer.train.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.optim.OptimizerStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Gradient checkpointing gives the gradients of the ordinary backward (within 1e-5 of the largest
 * gradient of each parameter): with dropout off against the plain forward, with dropout on against
 * a forward that seeds each layer the same way (the recomputation must replay the forward's masks),
 * for a loss that reads both outputs and two forwards pending at once (as pre-training does).
 */
class CheckpointedLayersTest {

  private static final RecformerConfig NO_DROPOUT = Fixtures.tiny(3, 2, 4, 4);
  private static final RecformerConfig DROPOUT =
      NO_DROPOUT.toBuilder().hiddenDropout(0.2).attentionDropout(0.2).build();

  @Test
  void checkpointedGradientsEqualPlainGradientsWithoutDropout() {
    compare(NO_DROPOUT, false);
  }

  @Test
  void checkpointedGradientsReplayTheDropoutMasks() {
    Map<String, float[]> a = compare(DROPOUT, true);
    // The masks matter: another seed gives other gradients, so the comparison above can fail.
    Map<String, float[]> other = gradients(DROPOUT, false, true, 8);
    String name = "encoder.layer.1.intermediate.dense.weight";
    assertThat(maxDifference(a.get(name), other.get(name))).isGreaterThan(1e-3);
  }

  private Map<String, float[]> compare(RecformerConfig config, boolean reseed) {
    Map<String, float[]> plain = gradients(config, false, reseed, 7);
    Map<String, float[]> checkpointed = gradients(config, true, false, 7);
    assertThat(checkpointed.keySet()).isEqualTo(plain.keySet());
    int compared = 0;
    for (String name : plain.keySet()) {
      if (name.startsWith("lm_head.")) {
        continue; // the loss reads the encoder's outputs only
      }
      compared++;
      float[] x = plain.get(name);
      float[] y = checkpointed.get(name);
      double scale = 0;
      for (float v : x) {
        scale = Math.max(scale, Math.abs(v));
      }
      assertThat(scale).as(name).isGreaterThan(0);
      assertThat(maxDifference(x, y)).as(name).isCloseTo(0, within(1e-5 * Math.max(1, scale)));
    }
    // Every parameter but the five of the LM head.
    assertThat(compared).isEqualTo(plain.size() - 5);
    return plain;
  }

  /** Gradients of a loss over two forwards (two batches) of one model with the given mode. */
  private static Map<String, float[]> gradients(
      RecformerConfig config, boolean checkpoint, boolean reseed, int seed) {
    EncodedBatch first =
        Fixtures.batch(
            config,
            13,
            new int[] {13, 6, 9},
            new boolean[] {true, true, false},
            new int[] {3, 0, 4},
            5);
    EncodedBatch second =
        Fixtures.batch(
            config, 9, new int[] {9, 4}, new boolean[] {true, true}, new int[] {0, 2}, 6);
    Map<String, float[]> out = new LinkedHashMap<>();
    try (NDManager root = NDManager.newBaseManager(Device.cpu());
        RecformerModel model = RecformerModel.newInstance(root, config, 1)) {
      model.loadWeights(Fixtures.randomWeights(model.parameterShapes(), 3, 0.2));
      model.setGradientCheckpointing(checkpoint);
      model.reseedLayers = reseed;
      try (NDManager scope = root.newSubManager();
          GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        Engine.getInstance().setRandomSeed(seed);
        EncoderOutput a = model.encode(scope, first, true);
        EncoderOutput b = model.encode(scope, second, true);
        NDArray loss =
            weighted(a.hiddenStates(), 11)
                .add(weighted(a.pooled(), 12))
                .add(weighted(b.hiddenStates(), 13));
        collector.backward(loss);
        model.finishCheckpointedBackward();
      }
      List<NDArray> params = new ArrayList<>();
      for (String name : model.parameterShapes().keySet()) {
        NDArray p = model.parameter(name).getArray();
        if (p.hasGradient()) {
          out.put(name, p.getGradient().toFloatArray());
          params.add(p);
        }
      }
      OptimizerStep.zeroGradients(params);
    }
    return out;
  }

  /** {@code sum(x * w)} for fixed random {@code w} of x's shape. */
  private static NDArray weighted(NDArray x, long seed) {
    Random r = new Random(seed);
    float[] w = new float[(int) x.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    NDArray weights = OwnedArrays.create(x.getManager(), w, new Shape(x.getShape().getShape()));
    return x.mul(weights).sum();
  }

  private static double maxDifference(float[] x, float[] y) {
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      max = Math.max(max, Math.abs(x[i] - y[i]));
    }
    return max;
  }
}
