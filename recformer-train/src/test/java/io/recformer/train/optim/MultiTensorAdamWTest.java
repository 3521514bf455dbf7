package io.recformer.train.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link AdamW}'s bucketed update against a plain double-precision AdamW over several steps: decay
 * on weights only, two rate factors (two buckets of decayed weights), a parameter that first gets a
 * gradient at step 3 (the buckets are rebuilt with the others' moments carried over), and a save
 * and load in the middle.
 */
class MultiTensorAdamWTest {

  private static final double LR = 0.02;
  private static final double WD = 0.1;
  private static final int STEPS = 6;
  private static final int LATE_FROM = 3;
  private static final Map<String, long[]> SHAPES = new LinkedHashMap<>();

  static {
    SHAPES.put("enc.weight", new long[] {6, 5});
    SHAPES.put("enc.bias", new long[] {6});
    SHAPES.put("enc.LayerNorm.weight", new long[] {5});
    SHAPES.put("item_matrix", new long[] {7, 5});
    SHAPES.put("late.weight", new long[] {4, 3});
    SHAPES.put("dense.weight", new long[] {3, 5});
  }

  private static double factor(String name) {
    return name.equals("item_matrix") ? 3 : 1;
  }

  /**
   * Bucket caps: one parameter per bucket, caps that split the groups unevenly (the arrays have 5
   * to 35 floats), and unbounded buckets; the resumed run reloads the state under another cap.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 12, 40, Long.MAX_VALUE})
  void everyStepMatchesADoublePrecisionReferenceTo1e6Relative(long cap, @TempDir Path dir)
      throws Exception {
    Map<String, float[]> start = new LinkedHashMap<>();
    Map<String, float[][]> gradients = new LinkedHashMap<>();
    Random random = new Random(7);
    SHAPES.forEach(
        (name, shape) -> {
          int size = (int) (shape[0] * (shape.length > 1 ? shape[1] : 1));
          float[] p = new float[size];
          for (int i = 0; i < size; i++) {
            // |p| >= 0.5, so a relative tolerance is meaningful after a few small steps.
            p[i] = (float) ((0.5 + random.nextDouble()) * (random.nextBoolean() ? 1 : -1));
          }
          start.put(name, p);
          float[][] g = new float[STEPS][size];
          for (float[] row : g) {
            for (int i = 0; i < size; i++) {
              row[i] = (float) (random.nextGaussian() * (1 + 10 * random.nextDouble()));
            }
          }
          gradients.put(name, g);
        });
    Map<String, double[]> want = reference(start, gradients);

    try (NDManager m = NDManager.newBaseManager()) {
      // One optimizer straight through.
      Map<String, NDArray> straight = parameters(m, start);
      try (AdamW adam = new AdamW(m, AdamW.Options.withWeightDecay(WD), cap)) {
        for (int t = 0; t < STEPS; t++) {
          step(adam, straight, gradients, t);
        }
      }
      assertClose(straight, want);

      // Half the steps, save, a fresh optimizer loads and finishes.
      Map<String, NDArray> resumed = parameters(m, start);
      Path file = dir.resolve("optimizer.safetensors");
      try (AdamW first = new AdamW(m, AdamW.Options.withWeightDecay(WD), cap)) {
        for (int t = 0; t < 4; t++) {
          step(first, resumed, gradients, t);
        }
        first.save(file);
      }
      long otherCap = cap == Long.MAX_VALUE ? 1 : Long.MAX_VALUE;
      try (AdamW second = new AdamW(m, AdamW.Options.withWeightDecay(WD), otherCap)) {
        second.load(file);
        for (int t = 4; t < STEPS; t++) {
          step(second, resumed, gradients, t);
        }
        assertThat(second.steps()).isEqualTo(STEPS);
      }
      assertClose(resumed, want);
      for (NDArray p : straight.values()) {
        assertThat(p.getGradient().toFloatArray()).as("gradient zeroed").containsOnly(0f);
      }
    }
  }

  private static Map<String, NDArray> parameters(NDManager m, Map<String, float[]> start) {
    Map<String, NDArray> params = new LinkedHashMap<>();
    start.forEach(
        (name, values) -> {
          NDArray p = m.create(values.clone(), new Shape(SHAPES.get(name)));
          // "late" is frozen (no gradient array) until step LATE_FROM, as an unfrozen layer is.
          p.setRequiresGradient(!name.startsWith("late"));
          params.put(name, p);
        });
    return params;
  }

  /** Gradient of step t is the fixed array c_t (loss sum(c_t * p)); "late" joins at step 3. */
  private static void step(
      AdamW adam, Map<String, NDArray> params, Map<String, float[][]> gradients, int t) {
    try (NDManager scope = params.values().iterator().next().getManager().newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray loss = null;
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        if (e.getKey().startsWith("late")) {
          if (t < LATE_FROM) {
            continue;
          }
          e.getValue().setRequiresGradient(true);
        }
        NDArray c = scope.create(gradients.get(e.getKey())[t], e.getValue().getShape());
        NDArray term = e.getValue().mul(c).sum();
        term.attach(scope);
        loss = loss == null ? term : loss.add(term);
      }
      collector.backward(loss);
    }
    adam.step(params, LR, MultiTensorAdamWTest::factor);
  }

  /** PyTorch's AdamW in double; "late" gets its first update at step 3 with t = 3 bias terms. */
  private static Map<String, double[]> reference(
      Map<String, float[]> start, Map<String, float[][]> gradients) {
    Map<String, double[]> out = new LinkedHashMap<>();
    start.forEach(
        (name, values) -> {
          double lr = LR * factor(name);
          boolean decay = !AdamW.noDecay(name);
          double[] p = new double[values.length];
          for (int i = 0; i < p.length; i++) {
            p[i] = values[i];
            double m = 0;
            double v = 0;
            for (int t = 1; t <= STEPS; t++) {
              if (name.startsWith("late") && t - 1 < LATE_FROM) {
                continue;
              }
              double g = gradients.get(name)[t - 1][i];
              if (decay) {
                p[i] -= lr * WD * p[i];
              }
              m = 0.9 * m + 0.1 * g;
              v = 0.999 * v + 0.001 * g * g;
              double mHat = m / (1 - Math.pow(0.9, t));
              double vHat = v / (1 - Math.pow(0.999, t));
              p[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
            }
          }
          out.put(name, p);
        });
    return out;
  }

  private static void assertClose(Map<String, NDArray> got, Map<String, double[]> want) {
    for (Map.Entry<String, double[]> e : want.entrySet()) {
      float[] actual = got.get(e.getKey()).toFloatArray();
      double worst = 0;
      for (int i = 0; i < actual.length; i++) {
        double w = e.getValue()[i];
        worst = Math.max(worst, Math.abs(actual[i] - w) / Math.abs(w));
      }
      assertThat(worst).as("%s: max relative |adamw - reference|", e.getKey()).isLessThan(1e-6);
    }
  }
}
