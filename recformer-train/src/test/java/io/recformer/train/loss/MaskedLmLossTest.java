package io.recformer.train.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.WeightTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link MaskedLmLoss} against a hand computation in double precision. */
class MaskedLmLossTest {

  private static final int D = 8;
  private static final int VOCAB = 23;
  private static final double EPS = 1e-5;

  private static RecformerConfig config() {
    return RecformerConfig.miniLmL6().toBuilder()
        .vocabSize(VOCAB)
        .hiddenSize(D)
        .numLayers(1)
        .numHeads(2)
        .intermediateSize(2 * D)
        .maxPositions(32)
        .positionOffset(0)
        .maxItems(4)
        .maxItemPositions(5)
        .maxTokens(16)
        .attentionWindow(4)
        .layerNormEps(EPS)
        .dropout(0)
        .pooling(Pooling.CLS)
        .build();
  }

  /** Every weight random (LayerNorm scales around 1), so no term of the head is trivial. */
  private static Map<String, WeightTensor> randomWeights(Map<String, WeightTensor> like) {
    Random random = new Random(11);
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    like.forEach(
        (name, t) -> {
          float[] values = new float[t.values().length];
          for (int i = 0; i < values.length; i++) {
            double base = name.contains("norm") && name.endsWith("weight") ? 1 : 0;
            values[i] = (float) (base + 0.5 * random.nextGaussian());
          }
          out.put(name, new WeightTensor(name, t.shape(), values));
        });
    return out;
  }

  @Test
  void isTheMeanCrossEntropyOfTheHeadAtTheMaskedPositions() {
    int batch = 2;
    int length = 5;
    long[] positions = {1, 3, 7}; // row 0 columns 1 and 3, row 1 column 2
    long[] labels = {4, 9, 17};
    Random random = new Random(5);
    float[] hidden = new float[batch * length * D];
    for (int i = 0; i < hidden.length; i++) {
      hidden[i] = (float) random.nextGaussian();
    }
    try (NDManager manager = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(manager, config(), 3)) {
      Map<String, WeightTensor> w = randomWeights(model.exportWeightMap());
      model.loadWeights(w);
      NDArray states = manager.create(hidden, new Shape(batch, length, D));
      double loss = MaskedLmLoss.loss(model, states, positions, labels, false).getFloat();

      double expected = 0;
      for (int k = 0; k < positions.length; k++) {
        double[] x = new double[D];
        for (int j = 0; j < D; j++) {
          x[j] = hidden[(int) positions[k] * D + j];
        }
        double[] logits = head(w, x);
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
          max = Math.max(max, l);
        }
        double sum = 0;
        for (double l : logits) {
          sum += Math.exp(l - max);
        }
        expected += max + Math.log(sum) - logits[(int) labels[k]];
      }
      expected /= positions.length;
      assertThat(loss).isCloseTo(expected, within(1e-4 * Math.max(1, Math.abs(expected))));
      // A different label changes the value: the test reads the label it is given.
      double other =
          MaskedLmLoss.loss(model, states, positions, new long[] {5, 9, 17}, false).getFloat();
      assertThat(Math.abs(other - loss)).isGreaterThan(1e-3);
    }
  }

  @Test
  void nothingMaskedGivesNoLossAndMismatchedLengthsAreRejected() {
    try (NDManager manager = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(manager, config(), 3)) {
      NDArray states = manager.zeros(new Shape(1, 3, D));
      assertThat(MaskedLmLoss.loss(model, states, new long[0], new long[0], false)).isNull();
      assertThatThrownBy(() -> MaskedLmLoss.loss(model, states, new long[] {1}, new long[0], false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("positions (1) and labels (0) must have the same length");
    }
  }

  /** dense -> GELU -> LayerNorm -> decoder tied to the word embeddings, plus the output bias. */
  private static double[] head(Map<String, WeightTensor> w, double[] x) {
    double[] h = affine(w.get("lm_head.dense.weight").values(), w.get("lm_head.dense.bias"), x, D);
    double mean = 0;
    for (int j = 0; j < D; j++) {
      h[j] = 0.5 * h[j] * (1 + erf(h[j] / Math.sqrt(2)));
      mean += h[j] / D;
    }
    double variance = 0;
    for (int j = 0; j < D; j++) {
      variance += (h[j] - mean) * (h[j] - mean) / D;
    }
    float[] scale = w.get("lm_head.layer_norm.weight").values();
    float[] shift = w.get("lm_head.layer_norm.bias").values();
    for (int j = 0; j < D; j++) {
      h[j] = (h[j] - mean) / Math.sqrt(variance + EPS) * scale[j] + shift[j];
    }
    return affine(
        w.get("embeddings.word_embeddings.weight").values(), w.get("lm_head.bias"), h, VOCAB);
  }

  /** {@code W x + b} for a row-major {@code [out, D]} matrix. */
  private static double[] affine(float[] matrix, WeightTensor bias, double[] x, int out) {
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double s = bias.values()[o];
      for (int j = 0; j < D; j++) {
        s += matrix[o * D + j] * x[j];
      }
      y[o] = s;
    }
    return y;
  }

  /** erf to about 1e-7 (Abramowitz and Stegun 7.1.26), plenty for a 1e-4 comparison. */
  private static double erf(double z) {
    double t = 1 / (1 + 0.3275911 * Math.abs(z));
    double poly =
        t
            * (0.254829592
                + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    double value = 1 - poly * Math.exp(-z * z);
    return z >= 0 ? value : -value;
  }
}
