package io.recformer.train.model;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.weights.WeightTensor;
import java.util.Map;

/**
 * Independent double-precision reference of reference section 3, written with naive loops straight
 * from the definition: for every query the allowed key set is enumerated explicitly (no chunks, no
 * bias tricks). Reads the model's exported {@link WeightTensor}s by their Hugging Face names.
 */
final class ReferenceLongformer {

  private final RecformerConfig config;
  private final Map<String, WeightTensor> weights;
  private final int d;
  private final int heads;
  private final int hs;

  ReferenceLongformer(RecformerConfig config, Map<String, WeightTensor> weights) {
    this.config = config;
    this.weights = weights;
    this.d = config.hiddenSize();
    this.heads = config.numHeads();
    this.hs = d / heads;
  }

  /** Last hidden states {@code [batch][length][d]}; padding rows are left as computed (unused). */
  double[][][] encode(EncodedBatch batch) {
    int b = batch.batchSize();
    int n = batch.length();
    double[][][] out = new double[b][][];
    for (int r = 0; r < b; r++) {
      int[] attn = slice(batch.attentionMask(), r, n);
      int[] glob = slice(batch.globalAttentionMask(), r, n);
      double[][] x =
          embeddings(
              slice(batch.inputIds(), r, n),
              slice(batch.tokenTypeIds(), r, n),
              slice(batch.tokenPositionIds(), r, n),
              slice(batch.itemPositionIds(), r, n));
      for (int l = 0; l < config.numLayers(); l++) {
        x = layer(l, x, attn, glob);
      }
      out[r] = x;
    }
    return out;
  }

  double[][] embeddings(int[] ids, int[] types, int[] positions, int[] items) {
    int n = ids.length;
    double[][] x = new double[n][d];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < d; k++) {
        x[i][k] =
            w("embeddings.word_embeddings.weight", ids[i], k)
                + w("embeddings.position_embeddings.weight", positions[i], k)
                + w("embeddings.token_type_embeddings.weight", types[i], k)
                + w("embeddings.item_position_embeddings.weight", items[i], k);
      }
      x[i] = layerNorm(x[i], "embeddings.LayerNorm");
    }
    return x;
  }

  double[][] layer(int l, double[][] x, int[] attn, int[] glob) {
    String p = "encoder.layer." + l + ".";
    double[][] ctx = selfAttention(l, x, attn, glob);
    int n = x.length;
    double[][] out = new double[n][];
    for (int i = 0; i < n; i++) {
      double[] a = linear(ctx[i], p + "attention.output.dense");
      for (int k = 0; k < d; k++) {
        a[k] += x[i][k];
      }
      double[] h = layerNorm(a, p + "attention.output.LayerNorm");
      double[] inner = linear(h, p + "intermediate.dense");
      for (int k = 0; k < inner.length; k++) {
        inner[k] = gelu(inner[k]);
      }
      double[] f = linear(inner, p + "output.dense");
      for (int k = 0; k < d; k++) {
        f[k] += h[k];
      }
      out[i] = layerNorm(f, p + "output.LayerNorm");
    }
    return out;
  }

  /** Context vectors of layer l's self-attention (before the output dense). */
  double[][] selfAttention(int l, double[][] x, int[] attn, int[] glob) {
    String p = "encoder.layer." + l + ".attention.self.";
    int n = x.length;
    int half = config.attentionWindow() / 2;
    double[][] q = new double[n][];
    double[][] k = new double[n][];
    double[][] v = new double[n][];
    double[][] qg = new double[n][];
    double[][] kg = new double[n][];
    double[][] vg = new double[n][];
    for (int i = 0; i < n; i++) {
      q[i] = linear(x[i], p + "query");
      k[i] = linear(x[i], p + "key");
      v[i] = linear(x[i], p + "value");
      qg[i] = linear(x[i], p + "query_global");
      kg[i] = linear(x[i], p + "key_global");
      vg[i] = linear(x[i], p + "value_global");
    }
    double[][] ctx = new double[n][d];
    for (int i = 0; i < n; i++) {
      if (attn[i] == 0) {
        continue;
      }
      boolean isGlobal = glob[i] == 1;
      boolean[] allowed = new boolean[n];
      for (int j = 0; j < n; j++) {
        if (attn[j] == 0) {
          continue;
        }
        allowed[j] = isGlobal || glob[j] == 1 || Math.abs(i - j) <= half;
      }
      double[][] qs = isGlobal ? qg : q;
      double[][] ks = isGlobal ? kg : k;
      double[][] vs = isGlobal ? vg : v;
      for (int h = 0; h < heads; h++) {
        double[] scores = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          if (!allowed[j]) {
            continue;
          }
          double s = 0;
          for (int e = 0; e < hs; e++) {
            s += qs[i][h * hs + e] * ks[j][h * hs + e];
          }
          scores[j] = s / Math.sqrt(hs);
          max = Math.max(max, scores[j]);
        }
        double total = 0;
        for (int j = 0; j < n; j++) {
          if (allowed[j]) {
            scores[j] = Math.exp(scores[j] - max);
            total += scores[j];
          }
        }
        for (int j = 0; j < n; j++) {
          if (allowed[j]) {
            for (int e = 0; e < hs; e++) {
              ctx[i][h * hs + e] += scores[j] / total * vs[j][h * hs + e];
            }
          }
        }
      }
    }
    return ctx;
  }

  /** MLM logits of one hidden state: dense, GELU, LayerNorm, tied word embeddings + bias. */
  double[] mlmLogits(double[] hidden) {
    double[] h = linear(hidden, "lm_head.dense");
    for (int k = 0; k < h.length; k++) {
      h[k] = gelu(h[k]);
    }
    h = layerNorm(h, "lm_head.layer_norm");
    WeightTensor words = weights.get("embeddings.word_embeddings.weight");
    float[] bias = weights.get("lm_head.bias").values();
    int vocab = (int) words.shape()[0];
    double[] logits = new double[vocab];
    for (int v = 0; v < vocab; v++) {
      double s = bias[v];
      for (int k = 0; k < d; k++) {
        s += (double) words.values()[v * d + k] * h[k];
      }
      logits[v] = s;
    }
    return logits;
  }

  private double[] linear(double[] in, String prefix) {
    WeightTensor wt = weights.get(prefix + ".weight");
    WeightTensor bt = weights.get(prefix + ".bias");
    int out = (int) wt.shape()[0];
    int inSize = (int) wt.shape()[1];
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double s = bt.values()[o];
      for (int i = 0; i < inSize; i++) {
        s += (double) wt.values()[o * inSize + i] * in[i];
      }
      y[o] = s;
    }
    return y;
  }

  private double[] layerNorm(double[] in, String prefix) {
    float[] g = weights.get(prefix + ".weight").values();
    float[] b = weights.get(prefix + ".bias").values();
    double mean = 0;
    for (double v : in) {
      mean += v;
    }
    mean /= in.length;
    double var = 0;
    for (double v : in) {
      var += (v - mean) * (v - mean);
    }
    var /= in.length;
    double inv = 1 / Math.sqrt(var + config.layerNormEps());
    double[] y = new double[in.length];
    for (int i = 0; i < in.length; i++) {
      y[i] = (in[i] - mean) * inv * g[i] + b[i];
    }
    return y;
  }

  private double w(String name, int row, int col) {
    WeightTensor t = weights.get(name);
    return t.values()[row * (int) t.shape()[1] + col];
  }

  static double gelu(double x) {
    return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
  }

  /** erf to ~1e-14: Taylor series for |x| < 3, Lentz continued fraction of erfc beyond. */
  static double erf(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax < 3) {
      double term = ax;
      double sum = ax;
      double x2 = ax * ax;
      for (int k = 1; k < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
        term *= -x2 / k;
        sum += term / (2 * k + 1);
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
      double f = ax;
      for (int k = 60; k >= 1; k--) {
        f = ax + (k / 2.0) / f;
      }
      r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
    }
    return x < 0 ? -r : r;
  }

  private static int[] slice(int[] a, int row, int n) {
    int[] out = new int[n];
    System.arraycopy(a, row * n, out, 0, n);
    return out;
  }
}
