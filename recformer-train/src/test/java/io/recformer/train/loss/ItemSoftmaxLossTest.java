package io.recformer.train.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ItemSoftmaxLossTest {

  private static float[] gaussian(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** Chunked loss and gradient equal DJL autograd over the full logits, for chunks of any size. */
  @Test
  void chunkedEqualsFullSoftmaxLossAndGradient() {
    int b = 5;
    int n = 37;
    int d = 8;
    int[] targets = {0, 36, 12, 12, 5};
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray matrix = m.create(gaussian(n * d, 1), new Shape(n, d)).normalize(2, 1, 1e-8);
      NDArray q = m.create(gaussian(b * d, 2), new Shape(b, d)).normalize(2, 1, 1e-8);
      q.setRequiresGradient(true);
      double expectedLoss;
      float[] expectedGradient;
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray logits = q.matMul(matrix.transpose()).div(0.05);
        NDArray oneHot = m.create(targets).oneHot(n);
        NDArray loss = logits.logSoftmax(1).mul(oneHot).sum().div(-b);
        expectedLoss = loss.getFloat();
        c.backward(loss);
      }
      expectedGradient = q.getGradient().toFloatArray();
      for (int chunk : new int[] {1, 4, 10, 37, 100}) {
        ItemSoftmaxLoss.Result r = ItemSoftmaxLoss.compute(q, matrix, targets, 0.05, chunk, m);
        assertThat(r.loss()).as("chunk %d", chunk).isCloseTo(expectedLoss, within(1e-4));
        float[] g = r.queryGradient().toFloatArray();
        for (int i = 0; i < g.length; i++) {
          assertThat(g[i]).as("chunk %d gradient %d", chunk, i)
              .isCloseTo(expectedGradient[i], within(1e-4f));
        }
      }
    }
  }

  /** A plain double-precision computation of one row's loss. */
  @Test
  void lossMatchesHandComputation() {
    float[][] items = {{1, 0}, {0, 1}, {0.6f, 0.8f}};
    float[] query = {0.8f, 0.6f};
    double tau = 0.5;
    double[] logits = new double[3];
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < 3; j++) {
      logits[j] = (query[0] * items[j][0] + query[1] * items[j][1]) / tau;
      max = Math.max(max, logits[j]);
    }
    double sum = 0;
    for (double l : logits) {
      sum += Math.exp(l - max);
    }
    double expected = max + Math.log(sum) - logits[2];
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray matrix = m.create(new float[] {1, 0, 0, 1, 0.6f, 0.8f}, new Shape(3, 2));
      NDArray q = m.create(query, new Shape(1, 2));
      double loss = ItemSoftmaxLoss.compute(q, matrix, new int[] {2}, tau, 2, m).loss();
      assertThat(loss).isCloseTo(expected, within(1e-6));
    }
  }

  @Test
  void chunkTemporariesAreFreed() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray matrix = m.create(gaussian(200 * 4, 3), new Shape(200, 4));
      NDArray q = m.create(gaussian(3 * 4, 4), new Shape(3, 4));
      int before = ((ai.djl.ndarray.BaseNDManager) m).getManagedArrays().size();
      ItemSoftmaxLoss.compute(q, matrix, new int[] {1, 2, 3}, 0.05, 7, m);
      int after = ((ai.djl.ndarray.BaseNDManager) m).getManagedArrays().size();
      assertThat(after - before).as("only the gradient is added").isLessThanOrEqualTo(1);
    }
  }

  @Test
  void rejectsTargetsOutsideTheMatrix() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray matrix = m.zeros(new Shape(4, 2));
      NDArray q = m.zeros(new Shape(1, 2));
      assertThatThrownBy(() -> ItemSoftmaxLoss.compute(q, matrix, new int[] {4}, 0.05, 2, m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("target 4 is out of range [0, 4)");
    }
  }
}
