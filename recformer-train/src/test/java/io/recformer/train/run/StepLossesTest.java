package io.recformer.train.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class StepLossesTest {

  @Test
  void sumsWeightedLossesOnTheDeviceAsJavaDoublesWouldAndStartsAgainAfterARead() {
    float[] values = {2.5f, 0.1f, 3.3333333f, 1e-3f};
    double[] weights = {0.5, 0.5, 0.25, 0.75};
    try (NDManager manager = NDManager.newBaseManager();
        StepLosses losses = new StepLosses(manager, 3)) {
      double expected = 0;
      for (int i = 0; i < values.length; i++) {
        // Scalars from a scope closed right after, as the micro-batch scopes are.
        try (NDManager scope = manager.newSubManager()) {
          losses.add(0, scope.create(values[i]), weights[i]);
        }
        expected += weights[i] * values[i];
      }
      try (NDManager scope = manager.newSubManager()) {
        losses.add(2, scope.create(7f), 2);
      }
      double[] read = losses.readAndReset();
      assertThat(read[0]).isEqualTo(expected); // float64 on the device: bit for bit
      assertThat(read[1]).isZero(); // nothing added
      assertThat(read[2]).isEqualTo(14.0);
      assertThat(losses.readAndReset()).containsExactly(0, 0, 0);
      try (NDManager scope = manager.newSubManager()) {
        losses.add(1, scope.create(1.5f), 1);
      }
      assertThat(losses.readAndReset()).containsExactly(0, 1.5, 0);
    }
  }

  @Test
  void keepsNoGraphOfALossThatHasOne() {
    try (NDManager manager = NDManager.newBaseManager();
        StepLosses losses = new StepLosses(manager, 1)) {
      NDArray w = manager.create(new float[] {1f, 2f});
      w.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray loss = w.square().sum();
        losses.add(0, loss, 0.5);
        collector.backward(loss);
      }
      assertThat(w.getGradient().toFloatArray()).containsExactly(2f, 4f);
      assertThat(losses.readAndReset()).containsExactly(2.5);
    }
  }
}
