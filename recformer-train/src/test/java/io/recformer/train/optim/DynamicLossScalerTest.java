package io.recformer.train.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The loss scaler's policy, and float16 gradients with float32 master weights on the CPU: a scale
 * that overflows float16 is a real overflow here (not an injected one), so {@link OptimizerStep}
 * skips and counts the step and the scaler halves; the next step's unscaled norm and update match
 * float32 within float16 precision.
 */
class DynamicLossScalerTest {

  @Test
  void scaleGrowsAfterGoodStepsAndHalvesOnOverflowDownToItsFloor() {
    DynamicLossScaler s = new DynamicLossScaler(8, 3, 2, 0.5, 2);
    s.update(false);
    s.update(false);
    assertThat(s.scale()).isEqualTo(8);
    assertThat(s.goodSteps()).isEqualTo(2);
    s.update(false);
    assertThat(s.scale()).isEqualTo(16);
    assertThat(s.goodSteps()).isZero();
    s.update(false);
    s.update(true);
    assertThat(s.scale()).isEqualTo(8);
    assertThat(s.goodSteps()).isZero();
    s.update(true);
    s.update(true);
    s.update(true);
    assertThat(s.scale()).isEqualTo(2);
    s.restore(1024, 7);
    assertThat(s.scale()).isEqualTo(1024);
    assertThat(s.goodSteps()).isEqualTo(7);
    assertThatThrownBy(() -> s.restore(1, 0)).hasMessageContaining("must be >= 2");
    assertThatThrownBy(() -> new DynamicLossScaler(8, 3, 2, 1.5, 1))
        .hasMessageContaining("backoffFactor 1.5");
    DynamicLossScaler d = DynamicLossScaler.defaults();
    assertThat(d.scale()).isEqualTo(65536);
  }

  @Test
  void float16GradientsOverflowOnceThenStepLikeFloat32() {
    float[] xs = gaussian(6 * 4, 1);
    float[] ws = gaussian(4 * 3, 2);
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      NDArray x = m.create(xs, new Shape(6, 4));
      // float32 reference gradient, to choose a loss factor whose largest gradient is 1.2: scaled
      // by 2^16 that overflows float16 (max 65504), by 2^15 it does not.
      NDArray reference = m.create(ws, new Shape(4, 3));
      reference.setRequiresGradient(true);
      backward(m, x, reference, 1, 1, DataType.FLOAT32);
      double largest = reference.getGradient().abs().max().getFloat();
      OptimizerStep.zeroGradients(List.of(reference));
      double k = 1.2 / largest;

      NDArray master = m.create(ws, new Shape(4, 3));
      master.setRequiresGradient(true);
      backward(m, x, master, 0, 1, DataType.FLOAT32); // defines the master's (zero) gradient
      DynamicLossScaler scaler = DynamicLossScaler.defaults();
      try (AdamW adam = new AdamW(m, AdamW.Options.withWeightDecay(0));
          AdamW adamRef = new AdamW(m, AdamW.Options.withWeightDecay(0))) {
        OptimizerStep step = new OptimizerStep(adam, List.of(OptimizerStep.Group.all(0)));
        OptimizerStep refStep = new OptimizerStep(adamRef, List.of(OptimizerStep.Group.all(0)));

        halfStep(m, x, master, k, scaler.scale());
        OptimizerStep.Outcome first =
            step.apply(Map.of("w", master), 1e-2, n -> 1, 1, scaler.scale());
        scaler.update(first.skipped());
        assertThat(first.skipped()).isTrue();
        assertThat(step.skippedSteps()).isEqualTo(1);
        assertThat(master.toFloatArray()).containsExactly(ws);
        assertThat(scaler.scale()).isEqualTo(32768);

        halfStep(m, x, master, k, scaler.scale());
        OptimizerStep.Outcome second =
            step.apply(Map.of("w", master), 1e-2, n -> 1, 2, scaler.scale());
        scaler.update(second.skipped());
        backward(m, x, reference, k, 1, DataType.FLOAT32);
        OptimizerStep.Outcome want = refStep.apply(Map.of("w", reference), 1e-2, n -> 1, 2);
        assertThat(second.skipped()).isFalse();
        assertThat(second.norm(0)).isCloseTo(want.norm(0), within(2e-3 * want.norm(0)));
        float[] got = master.toFloatArray();
        float[] ref = reference.toFloatArray();
        for (int i = 0; i < got.length; i++) {
          assertThat(got[i]).as("weight %d", i).isCloseTo(ref[i], within(1e-4f));
          assertThat(got[i]).as("weight %d moved", i).isNotEqualTo(ws[i]);
        }
      }
    }
  }

  /**
   * One float16 forward and backward from fp32 master weights: a float16 copy of the weights, the
   * loss cast to float32 and multiplied by the scale, the float16 gradient added to the master's.
   */
  private static void halfStep(NDManager m, NDArray x, NDArray master, double k, double scale) {
    try (NDManager scope = m.newSubManager()) {
      NDArray half = master.toType(DataType.FLOAT16, true);
      half.attach(scope);
      half.setRequiresGradient(true);
      backward(scope, x, half, k, scale, DataType.FLOAT16);
      NDArray g = half.getGradient();
      g.attach(scope);
      assertThat(g.getDataType()).isEqualTo(DataType.FLOAT16);
      NDArray into = master.getGradient();
      into.attach(scope);
      NDArray g32 = g.toType(DataType.FLOAT32, false);
      g32.attach(scope);
      into.addi(g32);
    }
  }

  /** {@code k * scale * mean((x w)^2)} computed in {@code type}, the scaling in float32. */
  private static void backward(
      NDManager m, NDArray x, NDArray w, double k, double scale, DataType type) {
    try (NDManager scope = m.newSubManager();
        GradientCollector c = Engine.getInstance().newGradientCollector()) {
      NDArray xt = x.toType(type, true);
      xt.attach(scope);
      NDArray y = xt.matMul(w);
      y.attach(scope);
      // DJL's toType is not differentiable (it runs under no_grad): the product with a float32
      // array of shape [1] casts the loss to float32 by type promotion, with a gradient.
      NDArray loss = y.square().mean();
      NDArray factor = scope.create(new float[] {(float) (k * scale)}, new Shape(1));
      NDArray scaled = loss.mul(factor);
      assertThat(scaled.getDataType()).isEqualTo(DataType.FLOAT32);
      scaled.attach(scope);
      c.backward(scaled);
    }
  }

  private static float[] gaussian(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}
