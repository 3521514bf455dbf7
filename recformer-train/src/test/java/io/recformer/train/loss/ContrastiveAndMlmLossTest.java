package io.recformer.train.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class ContrastiveAndMlmLossTest {

  /**
   * IIC loss and accuracy against a double-precision computation of cos / tau with diagonal labels.
   */
  @Test
  void inBatchContrastiveLossMatchesHandComputation() {
    double[][] h = {{1, 2, 0}, {0, 1, 1}, {3, 0, -1}};
    double[][] p = {{2, 1, 0}, {0, 0, 1}, {-1, 1, 1}};
    double tau = 0.05;
    double expected = 0;
    int hits = 0;
    for (int i = 0; i < 3; i++) {
      double[] logits = new double[3];
      double max = Double.NEGATIVE_INFINITY;
      int argmax = 0;
      for (int j = 0; j < 3; j++) {
        logits[j] = cos(h[i], p[j]) / tau;
        if (logits[j] > max) {
          max = logits[j];
          argmax = j;
        }
      }
      double sum = 0;
      for (double l : logits) {
        sum += Math.exp(l - max);
      }
      expected += max + Math.log(sum) - logits[i];
      hits += argmax == i ? 1 : 0;
    }
    expected /= 3;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits =
          InBatchContrastiveLoss.logits(
              m.create(flat(h), new Shape(3, 3)), m.create(flat(p), new Shape(3, 3)), tau);
      assertThat((double) InBatchContrastiveLoss.loss(logits).getFloat())
          .isCloseTo(expected, within(1e-4));
      assertThat(InBatchContrastiveLoss.accuracy(logits)).isCloseTo(hits / 3.0, within(1e-12));
    }
  }

  private static double cos(double[] a, double[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  private static float[] flat(double[][] rows) {
    float[] out = new float[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < rows[i].length; j++) {
        out[i * rows[i].length + j] = (float) rows[i][j];
      }
    }
    return out;
  }
}
