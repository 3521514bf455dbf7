package io.recformer.bench.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import io.recformer.train.model.OwnedArrays;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * The SASRec network as plain NDArray math (Kang and McAuley 2018, in RecBole's formulation): item
 * embedding + learned position embedding, LayerNorm, dropout, then {@code layers} post-LN blocks of
 * causal multi-head self-attention and a GELU point-wise feed-forward layer. Row 0 of the item
 * table is padding; catalog item {@code i} is row {@code i + 1}. Sequences are right-padded, so the
 * last real position of a row is {@code length - 1}.
 *
 * <p>The bidirectional variant is BERT4Rec's encoder (Sun et al. 2019, in RecBole's formulation):
 * the same blocks attending to every real position, one more table row ({@code itemCount + 1}) for
 * the [mask] token, and an output head (dense, GELU, LayerNorm) before the dot product with the
 * item table plus a per-item output bias.
 *
 * <p>Every op takes a per-batch array as its first operand, so results land in the caller's batch
 * manager and nothing accumulates in the parameter manager across steps.
 */
final class SasRecNetwork extends ItemNetwork {

  /** RecBole's additive mask value for forbidden attention positions. */
  private static final float MASKED = -10000f;

  private static final float INIT_STD = 0.02f;
  private static final float LAYER_NORM_EPS = 1e-12f;

  private final SasRecConfig config;
  private final boolean bidirectional;

  private SasRecNetwork(
      SasRecConfig config, int itemCount, boolean bidirectional, NDManager parent) {
    super("SASRec", itemCount, parent);
    this.config = config;
    this.bidirectional = bidirectional;
  }

  /**
   * A network with RecBole's initialization (normal(0, 0.02) weights, zero biases, unit LayerNorm
   * scales) drawn from {@code config.seed()}, or with the given values where {@code values} has
   * them.
   */
  static SasRecNetwork create(
      NDManager parent,
      SasRecConfig config,
      int itemCount,
      Map<String, float[]> values,
      boolean trainable) {
    return create(parent, config, itemCount, values, trainable, false);
  }

  /** As the causal {@code create}, or BERT4Rec's bidirectional encoder with its output head. */
  static SasRecNetwork create(
      NDManager parent,
      SasRecConfig config,
      int itemCount,
      Map<String, float[]> values,
      boolean trainable,
      boolean bidirectional) {
    return initialize(
        new SasRecNetwork(config, itemCount, bidirectional, parent),
        net -> net.registerAll(new Random(config.seed()), values, trainable));
  }

  private void registerAll(Random random, Map<String, float[]> values, boolean trainable) {
    int d = config.hiddenSize();
    int rows = itemCount() + (bidirectional ? 2 : 1);
    add("item_embedding", values, trainable, random, true, rows, d);
    add("position_embedding", values, trainable, random, true, config.maxLength(), d);
    addConstant("emb_ln.gamma", values, trainable, 1f, d);
    addConstant("emb_ln.beta", values, trainable, 0f, d);
    for (int l = 0; l < config.layers(); l++) {
      String p = "layer" + l + ".";
      for (String proj : new String[] {"query", "key", "value", "attn_out"}) {
        add(p + proj + ".weight", values, trainable, random, true, d, d);
        addConstant(p + proj + ".bias", values, trainable, 0f, d);
      }
      addConstant(p + "attn_ln.gamma", values, trainable, 1f, d);
      addConstant(p + "attn_ln.beta", values, trainable, 0f, d);
      add(p + "ffn_in.weight", values, trainable, random, true, config.innerSize(), d);
      addConstant(p + "ffn_in.bias", values, trainable, 0f, config.innerSize());
      add(p + "ffn_out.weight", values, trainable, random, true, d, config.innerSize());
      addConstant(p + "ffn_out.bias", values, trainable, 0f, d);
      addConstant(p + "ffn_ln.gamma", values, trainable, 1f, d);
      addConstant(p + "ffn_ln.beta", values, trainable, 0f, d);
    }
    if (bidirectional) {
      add("head.weight", values, trainable, random, true, d, d);
      addConstant("head.bias", values, trainable, 0f, d);
      addConstant("head_ln.gamma", values, trainable, 1f, d);
      addConstant("head_ln.beta", values, trainable, 0f, d);
      addConstant("output_bias", values, trainable, 0f, itemCount());
    }
  }

  private void add(
      String name,
      Map<String, float[]> values,
      boolean trainable,
      Random random,
      boolean gaussian,
      long... shape) {
    int n = Math.toIntExact(new Shape(shape).size());
    float[] init = new float[n];
    // Draw even when values are given, so every parameter's initialization does not depend on
    // which others were supplied.
    for (int i = 0; i < n; i++) {
      init[i] = gaussian ? (float) (random.nextGaussian() * INIT_STD) : 0f;
    }
    register(name, values, trainable, init, shape);
  }

  private void addConstant(
      String name, Map<String, float[]> values, boolean trainable, float value, long... shape) {
    float[] init = new float[Math.toIntExact(new Shape(shape).size())];
    Arrays.fill(init, value);
    register(name, values, trainable, init, shape);
  }

  /**
   * Hidden states {@code [batch, length, hidden]} of right-padded item rows.
   *
   * @param ids padded item rows ({@code catalog index + 1}, 0 = padding), {@code [batch, length]}
   *     int64
   * @param lengths real length of each row (>= 1)
   */
  @Override
  NDArray forward(NDManager batch, NDArray ids, int[] lengths, boolean training) {
    long b = ids.getShape().get(0);
    int len = Math.toIntExact(ids.getShape().get(1));
    int d = config.hiddenSize();
    int heads = config.heads();
    int dh = d / heads;

    NDArray positions = batch.arange(0, len, 1, DataType.INT64);
    NDArray x =
        Embedding.embedding(ids, p("item_embedding"), SparseFormat.DENSE)
            .singletonOrThrow()
            .add(
                Embedding.embedding(positions, p("position_embedding"), SparseFormat.DENSE)
                    .singletonOrThrow());
    x = layerNorm(x, "emb_ln");
    x = dropout(x, config.hiddenDropout(), training);

    NDArray bias = batch.create(maskBias(lengths, len, !bidirectional), new Shape(b, 1, len, len));
    float scale = (float) (1.0 / Math.sqrt(dh));
    for (int l = 0; l < config.layers(); l++) {
      String pre = "layer" + l + ".";
      NDArray q = heads(linear(x, pre + "query"), b, len, heads, dh);
      NDArray k = heads(linear(x, pre + "key"), b, len, heads, dh);
      NDArray v = heads(linear(x, pre + "value"), b, len, heads, dh);
      NDArray scores = OwnedArrays.scale(q.matMul(k.transpose(0, 1, 3, 2)), scale).add(bias);
      NDArray probs = dropout(scores.softmax(-1), config.attentionDropout(), training);
      NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, len, d);
      NDArray attended =
          dropout(linear(context, pre + "attn_out"), config.hiddenDropout(), training);
      x = layerNorm(attended.add(x), pre + "attn_ln");
      NDArray inner = Activation.gelu(linear(x, pre + "ffn_in"));
      NDArray out = dropout(linear(inner, pre + "ffn_out"), config.hiddenDropout(), training);
      x = layerNorm(out.add(x), pre + "ffn_ln");
    }
    return x;
  }

  /** The [mask] token's id in the input rows (BERT4Rec only). */
  long maskId() {
    if (!bidirectional) {
      throw new IllegalStateException("the causal SASRec network has no [mask] token");
    }
    return itemCount() + 1L;
  }

  /**
   * BERT4Rec's scores {@code [positions, items]} of selected hidden states: dense + GELU +
   * LayerNorm, then the dot product with the item table plus the output bias.
   */
  NDArray bidirectionalLogits(NDManager batch, NDArray selected) {
    NDArray h = layerNorm(Activation.gelu(linear(selected, "head")), "head_ln");
    return h.matMul(itemTable(batch).transpose()).add(p("output_bias"));
  }

  /**
   * Additive attention mask, {@code [batch, 1, length, length]} row-major: key padding always, and
   * no looking ahead when {@code causal}.
   */
  static float[] maskBias(int[] lengths, int len, boolean causal) {
    float[] bias = new float[lengths.length * len * len];
    for (int r = 0; r < lengths.length; r++) {
      int base = r * len * len;
      for (int i = 0; i < len; i++) {
        for (int j = 0; j < len; j++) {
          boolean allowed = (!causal || j <= i) && j < lengths[r];
          bias[base + i * len + j] = allowed ? 0f : MASKED;
        }
      }
    }
    return bias;
  }

  private static NDArray heads(NDArray x, long b, int len, int heads, int dh) {
    return x.reshape(b, len, heads, dh).transpose(0, 2, 1, 3);
  }

  private NDArray linear(NDArray x, String name) {
    return Linear.linear(x, p(name + ".weight"), p(name + ".bias")).singletonOrThrow();
  }

  private NDArray layerNorm(NDArray x, String name) {
    return LayerNorm.layerNorm(
            x,
            new Shape(config.hiddenSize()),
            p(name + ".gamma"),
            p(name + ".beta"),
            LAYER_NORM_EPS)
        .singletonOrThrow();
  }

  private static NDArray dropout(NDArray x, float rate, boolean training) {
    if (!training || rate == 0f) {
      return x;
    }
    NDList out = Dropout.dropout(x, rate, true);
    return out.singletonOrThrow();
  }
}
