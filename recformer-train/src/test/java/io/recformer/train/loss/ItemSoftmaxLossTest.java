package io.recformer.train.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
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
          assertThat(g[i])
              .as("chunk %d gradient %d", chunk, i)
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
      int before = ((BaseNDManager) m).getManagedArrays().size();
      ItemSoftmaxLoss.compute(q, matrix, new int[] {1, 2, 3}, 0.05, 7, m);
      int after = ((BaseNDManager) m).getManagedArrays().size();
      // The gradient and the mean loss (kept on the device for the step's single read).
      assertThat(after - before)
          .as("only the gradient and the loss are added")
          .isLessThanOrEqualTo(2);
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

  /**
   * With a margin, the raised items' logits grow by margin / tau inside the softmax: loss and
   * gradient equal a plain double-precision computation of exactly that, for any chunk size.
   */
  @Test
  void marginRaisesTheChosenItemsInTheSoftmax() {
    double plain = plainLossOfTheMarginExample();
    assertThat(marginLossAgreesWithAPlainComputation(0.3))
        .as("harder negatives raise the loss")
        .isGreaterThan(plain + 1e-3);
  }

  /** A negative margin (the training side of a history penalty) lowers the items the same way. */
  @Test
  void negativeMarginLowersTheChosenItemsInTheSoftmax() {
    double plain = plainLossOfTheMarginExample();
    assertThat(marginLossAgreesWithAPlainComputation(-0.3))
        .as("easier negatives lower the loss")
        .isLessThan(plain - 1e-3);
  }

  private static double plainLossOfTheMarginExample() {
    return marginLossAgreesWithAPlainComputation(0);
  }

  /** Checks loss and gradient at {@code margin} against doubles; returns the expected loss. */
  private static double marginLossAgreesWithAPlainComputation(double margin) {
    int b = 3;
    int n = 23;
    int d = 6;
    double tau = 0.5; // soft enough that raising non-maximal items visibly moves the loss
    int[] targets = {4, 0, 22};
    int[][] raised = {{1, 2, 17}, {}, {0, 21, 5}};
    float[] items = gaussian(n * d, 5);
    float[] queries = gaussian(b * d, 6);
    normalizeRows(items, d);
    normalizeRows(queries, d);
    double expectedLoss = 0;
    double[] expectedGradient = new double[b * d];
    for (int row = 0; row < b; row++) {
      double[] logits = new double[n];
      for (int j = 0; j < n; j++) {
        double dot = 0;
        for (int k = 0; k < d; k++) {
          dot += (double) queries[row * d + k] * items[j * d + k];
        }
        logits[j] = dot / tau;
      }
      for (int j : raised[row]) {
        logits[j] += margin / tau;
      }
      double max = Arrays.stream(logits).max().getAsDouble();
      double sum = 0;
      for (double l : logits) {
        sum += Math.exp(l - max);
      }
      double logSumExp = max + Math.log(sum);
      expectedLoss += (logSumExp - logits[targets[row]]) / b;
      for (int j = 0; j < n; j++) {
        double coefficient = Math.exp(logits[j] - logSumExp) - (j == targets[row] ? 1 : 0);
        for (int k = 0; k < d; k++) {
          expectedGradient[row * d + k] += coefficient * items[j * d + k] / tau / b;
        }
      }
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray matrix = m.create(items, new Shape(n, d));
      NDArray q = m.create(queries, new Shape(b, d));
      double plain = ItemSoftmaxLoss.compute(q, matrix, targets, tau, 8, m).loss();
      for (int chunk : new int[] {1, 5, 23, 64}) {
        ItemSoftmaxLoss.Result r =
            ItemSoftmaxLoss.compute(q, matrix, targets, raised, margin, tau, chunk, m);
        assertThat(r.loss()).as("chunk %d", chunk).isCloseTo(expectedLoss, within(1e-4));
        float[] g = r.queryGradient().toFloatArray();
        for (int i = 0; i < g.length; i++) {
          assertThat((double) g[i])
              .as("chunk %d gradient %d", chunk, i)
              .isCloseTo(expectedGradient[i], within(1e-4));
        }
      }
      assertThat(ItemSoftmaxLoss.compute(q, matrix, targets, raised, 0, tau, 5, m).loss())
          .as("margin 0 is the plain loss")
          .isCloseTo(plain, within(1e-5));
    }
    return expectedLoss;
  }

  @Test
  void rejectsARaisedTarget() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray matrix = m.zeros(new Shape(4, 2));
      NDArray q = m.zeros(new Shape(1, 2));
      assertThatThrownBy(
              () ->
                  ItemSoftmaxLoss.compute(
                      q, matrix, new int[] {2}, new int[][] {{1, 2}}, 0.1, 0.05, 2, m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("raised item 2 of row 0");
    }
  }

  private static void normalizeRows(float[] v, int width) {
    for (int from = 0; from < v.length; from += width) {
      double norm = 0;
      for (int k = 0; k < width; k++) {
        norm += v[from + k] * v[from + k];
      }
      for (int k = 0; k < width; k++) {
        v[from + k] /= (float) Math.sqrt(norm);
      }
    }
  }
}
