package io.recformer.train.weights;

import java.util.Map;

/**
 * A plain double-precision BERT encoder over named weights: embeddings + LayerNorm, then post-LN
 * layers with full self-attention and exact (erf) GELU. Slow and simple on purpose: it is the
 * independent reference that checks imported weights against ONNX Runtime, so it shares no code
 * with the model or the importer. Linear weights are read as {@code [out, in]}.
 */
final class BertReference {

  private final Map<String, WeightTensor> weights;
  private final int layers;
  private final int heads;
  private final double eps;

  BertReference(Map<String, WeightTensor> weights, int layers, int heads, double eps) {
    this.weights = weights;
    this.layers = layers;
    this.heads = heads;
    this.eps = eps;
  }

  /** Hidden states {@code [length][d]} of one unpadded sequence; positions 0.., token type 0. */
  double[][] forward(long[] ids) {
    int n = ids.length;
    float[] word = w("embeddings.word_embeddings.weight");
    float[] position = w("embeddings.position_embeddings.weight");
    float[] type = w("embeddings.token_type_embeddings.weight");
    int d = (int) weights.get("embeddings.word_embeddings.weight").shape()[1];
    double[][] x = new double[n][d];
    for (int t = 0; t < n; t++) {
      for (int j = 0; j < d; j++) {
        x[t][j] = (double) word[(int) ids[t] * d + j] + position[t * d + j] + type[j];
      }
      x[t] = layerNorm(x[t], "embeddings.LayerNorm");
    }
    for (int layer = 0; layer < layers; layer++) {
      String p = "encoder.layer." + layer + ".";
      double[][] q = linear(x, p + "attention.self.query");
      double[][] k = linear(x, p + "attention.self.key");
      double[][] v = linear(x, p + "attention.self.value");
      int hd = d / heads;
      double[][] context = new double[n][d];
      for (int h = 0; h < heads; h++) {
        for (int t = 0; t < n; t++) {
          double[] scores = new double[n];
          double max = Double.NEGATIVE_INFINITY;
          for (int s = 0; s < n; s++) {
            double dot = 0;
            for (int j = h * hd; j < (h + 1) * hd; j++) {
              dot += q[t][j] * k[s][j];
            }
            scores[s] = dot / Math.sqrt(hd);
            max = Math.max(max, scores[s]);
          }
          double sum = 0;
          for (int s = 0; s < n; s++) {
            scores[s] = Math.exp(scores[s] - max);
            sum += scores[s];
          }
          for (int s = 0; s < n; s++) {
            for (int j = h * hd; j < (h + 1) * hd; j++) {
              context[t][j] += scores[s] / sum * v[s][j];
            }
          }
        }
      }
      double[][] attention = linear(context, p + "attention.output.dense");
      for (int t = 0; t < n; t++) {
        for (int j = 0; j < d; j++) {
          attention[t][j] += x[t][j];
        }
        x[t] = layerNorm(attention[t], p + "attention.output.LayerNorm");
      }
      double[][] inner = linear(x, p + "intermediate.dense");
      for (double[] row : inner) {
        for (int j = 0; j < row.length; j++) {
          row[j] = 0.5 * row[j] * (1 + erf(row[j] / Math.sqrt(2)));
        }
      }
      double[][] output = linear(inner, p + "output.dense");
      for (int t = 0; t < n; t++) {
        for (int j = 0; j < d; j++) {
          output[t][j] += x[t][j];
        }
        x[t] = layerNorm(output[t], p + "output.LayerNorm");
      }
    }
    return x;
  }

  private float[] w(String name) {
    WeightTensor t = weights.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no tensor " + name);
    }
    return t.values();
  }

  private double[][] linear(double[][] x, String prefix) {
    WeightTensor weight = weights.get(prefix + ".weight");
    float[] m = weight.values();
    float[] b = w(prefix + ".bias");
    int out = (int) weight.shape()[0];
    int in = (int) weight.shape()[1];
    double[][] y = new double[x.length][out];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < out; o++) {
        double sum = b[o];
        for (int i = 0; i < in; i++) {
          sum += m[o * in + i] * x[t][i];
        }
        y[t][o] = sum;
      }
    }
    return y;
  }

  private double[] layerNorm(double[] x, String prefix) {
    float[] gamma = w(prefix + ".weight");
    float[] beta = w(prefix + ".bias");
    double mean = 0;
    for (double v : x) {
      mean += v;
    }
    mean /= x.length;
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean);
    }
    var /= x.length;
    double[] y = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      y[j] = (x[j] - mean) / Math.sqrt(var + eps) * gamma[j] + beta[j];
    }
    return y;
  }

  /**
   * erf in double precision (about 1e-14): the Maclaurin series below 3, where its alternating
   * terms stay small, and the continued fraction of erfc above, where it converges fast.
   */
  static double erf(double x) {
    double a = Math.abs(x);
    double value;
    if (a < 3) {
      double term = a;
      double sum = a;
      for (int n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
        term *= -a * a / n;
        sum += term / (2 * n + 1);
      }
      value = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc(a) = exp(-a^2) / sqrt(pi) / (a + (1/2) / (a + (2/2) / (a + (3/2) / (a + ...))))
      double f = a;
      for (int k = 200; k >= 1; k--) {
        f = a + (k / 2.0) / f;
      }
      value = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
    }
    return Math.signum(x) * value;
  }
}
