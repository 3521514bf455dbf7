package io.recformer.train.export;

import static io.recformer.train.export.OnnxGraph.attr;
import static io.recformer.train.export.OnnxGraph.attrInts;

import ai.onnx.proto.OnnxMl;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.EncoderModelContract;
import io.recformer.train.model.AttentionMode;
import io.recformer.train.weights.WeightTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the Recformer encoder (reference section 3) as an ONNX graph of standard opset-17
 * operators, computing what {@code io.recformer.train.model.RecformerModel} computes in eval mode,
 * with the same O(n w) attention layout (see {@code LongformerSelfAttention}):
 *
 * <ul>
 *   <li>the length is padded inside the graph to a multiple of c = w/2 and cut back at the end;
 *   <li>each chunk of c queries is scored against a 3c-key block (previous, own and next chunk)
 *       with one static band bias [c, 3c] (|i - j| <= c) plus a per-row key bias (padding and
 *       global keys blocked), so the band is exact;
 *   <li>the global tokens (found with TopK, at least one slot so shapes never become empty; unused
 *       slots are masked) add g key columns to every chunk before the joint softmax, and get their
 *       own rows from query_global/key_global/value_global, with the key and value weights moved
 *       onto the few global queries as the DJL model does;
 *   <li>FFN with exact GELU (Erf), post-LN, then CLS or masked-mean pooling and L2 normalization.
 * </ul>
 *
 * <p>That is the {@link AttentionMode#CHUNKED} layout. A bundle whose sequences are short ({@link
 * #layoutFor}: at most {@link #DENSE_MAX_CHUNKS} chunks at its {@code maxTokens}) is exported in
 * the {@link AttentionMode#DENSE_BAND} layout instead, as the DJL model computes short batches: no
 * padding to a multiple of c, one n x n score matrix per head with an additive band-and-global
 * bias, which gives each softmax exactly the keys of the chunked layout, and none of the block
 * building (Pad, Slice, Concat of three shifted copies of every key and value per layer).
 *
 * <p>Blocked scores get an additive -1e30 (as the DJL model), which underflows to probability 0.
 *
 * <p>Over 400 lines because it writes the whole encoder as one ONNX graph in forward order,
 * mirroring {@code RecformerModel}'s forward so the two read side by side.
 */
final class EncoderGraph {

  static final int OPSET = 17;

  /** IR version 8 goes with opset 17. */
  static final long IR_VERSION = 8;

  /**
   * The longest {@code maxTokens}, in chunks of w/2, exported in the dense layout by {@link
   * #layoutFor}; the crossover measured for ONNX Runtime's forward pass (docs/benchmarks.md, "Dense
   * band or chunks in the exported graph").
   */
  static final int DENSE_MAX_CHUNKS = 4;

  private static final float BLOCKED = -1e30f;
  private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT.getNumber();
  private static final int INT64 = OnnxMl.TensorProto.DataType.INT64.getNumber();

  private final RecformerConfig config;
  private final Map<String, WeightTensor> weights;
  private final OnnxGraph g = new OnnxGraph("recformer_encoder");
  private final int d;
  private final int heads;
  private final int headSize;
  private final int c;
  private final boolean dense;

  private EncoderGraph(
      RecformerConfig config, Map<String, WeightTensor> weights, AttentionMode layout) {
    this.config = config;
    this.weights = weights;
    this.dense = layout == AttentionMode.DENSE_BAND;
    this.d = config.hiddenSize();
    this.heads = config.numHeads();
    this.headSize = config.headSize();
    this.c = config.oneSidedWindow();
  }

  /**
   * The graph of the encoder with these weights (Hugging Face names, Linear weights [out, in]), in
   * the {@link #layoutFor layout for its config}.
   */
  static OnnxMl.GraphProto build(RecformerConfig config, Map<String, WeightTensor> weights) {
    return build(config, weights, AttentionMode.SLIDING_WINDOW);
  }

  /**
   * As {@link #build(RecformerConfig, Map)} in a given layout: {@link AttentionMode#CHUNKED},
   * {@link AttentionMode#DENSE_BAND} (also for {@link AttentionMode#FULL_ORACLE}, the same
   * computation) or {@link AttentionMode#SLIDING_WINDOW}, which picks one by {@link #layoutFor}.
   * Every layout computes the same numbers.
   */
  static OnnxMl.GraphProto build(
      RecformerConfig config, Map<String, WeightTensor> weights, AttentionMode layout) {
    checkWeights(config, weights);
    return new EncoderGraph(config, weights, resolve(layout, config)).graph();
  }

  /**
   * The layout exported for this config when none is asked for: {@link AttentionMode#DENSE_BAND} if
   * {@code maxTokens}, rounded up to whole chunks of w/2, spans at most {@link #DENSE_MAX_CHUNKS}
   * chunks (the position table caps every input at {@code maxTokens}), else {@link
   * AttentionMode#CHUNKED}.
   */
  static AttentionMode layoutFor(RecformerConfig config) {
    int c = config.oneSidedWindow();
    long chunks = (config.maxTokens() + c - 1L) / c;
    return chunks <= DENSE_MAX_CHUNKS ? AttentionMode.DENSE_BAND : AttentionMode.CHUNKED;
  }

  /** {@code layout} with SLIDING_WINDOW and FULL_ORACLE replaced by the layout they stand for. */
  static AttentionMode resolve(AttentionMode layout, RecformerConfig config) {
    return switch (layout) {
      case SLIDING_WINDOW -> layoutFor(config);
      case FULL_ORACLE, DENSE_BAND -> AttentionMode.DENSE_BAND;
      case CHUNKED -> AttentionMode.CHUNKED;
    };
  }

  /**
   * The Linear layers of the graph in graph order: each is a MatMul by a constant initializer
   * {@code <name>.weight_t} ({@link Int8Quantizer} quantizes them).
   */
  static List<String> linearLayers(RecformerConfig config) {
    List<String> out = new ArrayList<>();
    for (int l = 0; l < config.numLayers(); l++) {
      String p = "encoder.layer." + l + ".";
      out.add(p + "attention.self.qkv");
      out.add(p + "attention.self.query_global");
      out.add(p + "attention.output.dense");
      out.add(p + "intermediate.dense");
      out.add(p + "output.dense");
    }
    return List.copyOf(out);
  }

  /** Every encoder weight name with its expected shape (the MLM head is not exported). */
  static Map<String, long[]> expectedShapes(RecformerConfig config) {
    Map<String, long[]> s = new TreeMap<>();
    int d = config.hiddenSize();
    s.put("embeddings.word_embeddings.weight", new long[] {config.vocabSize(), d});
    s.put("embeddings.position_embeddings.weight", new long[] {config.maxPositions(), d});
    s.put("embeddings.token_type_embeddings.weight", new long[] {config.tokenTypes(), d});
    s.put("embeddings.item_position_embeddings.weight", new long[] {config.maxItemPositions(), d});
    s.put("embeddings.LayerNorm.weight", new long[] {d});
    s.put("embeddings.LayerNorm.bias", new long[] {d});
    for (int l = 0; l < config.numLayers(); l++) {
      String p = "encoder.layer." + l + ".";
      for (String proj :
          List.of("query", "key", "value", "query_global", "key_global", "value_global")) {
        s.put(p + "attention.self." + proj + ".weight", new long[] {d, d});
        s.put(p + "attention.self." + proj + ".bias", new long[] {d});
      }
      s.put(p + "attention.output.dense.weight", new long[] {d, d});
      s.put(p + "attention.output.dense.bias", new long[] {d});
      s.put(p + "attention.output.LayerNorm.weight", new long[] {d});
      s.put(p + "attention.output.LayerNorm.bias", new long[] {d});
      s.put(p + "intermediate.dense.weight", new long[] {config.intermediateSize(), d});
      s.put(p + "intermediate.dense.bias", new long[] {config.intermediateSize()});
      s.put(p + "output.dense.weight", new long[] {d, config.intermediateSize()});
      s.put(p + "output.dense.bias", new long[] {d});
      s.put(p + "output.LayerNorm.weight", new long[] {d});
      s.put(p + "output.LayerNorm.bias", new long[] {d});
    }
    return s;
  }

  private static void checkWeights(RecformerConfig config, Map<String, WeightTensor> weights) {
    List<String> missing = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    expectedShapes(config)
        .forEach(
            (name, shape) -> {
              WeightTensor t = weights.get(name);
              if (t == null) {
                missing.add(name);
              } else if (!Arrays.equals(t.shape(), shape)) {
                wrong.add(
                    name
                        + " (got "
                        + Arrays.toString(t.shape())
                        + ", expected "
                        + Arrays.toString(shape)
                        + ")");
              }
            });
    if (!missing.isEmpty() || !wrong.isEmpty()) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "weights do not match the config (%d layers, d %d): missing %d %s; wrong shape %d %s",
              config.numLayers(),
              config.hiddenSize(),
              missing.size(),
              missing,
              wrong.size(),
              wrong));
    }
  }

  private OnnxMl.GraphProto graph() {
    for (String name : EncoderModelContract.INPUT_NAMES) {
      g.input(name, INT64, "batch", "length");
    }
    // Lengths: n (given); the chunked layout pads to M = ceil(n / c) chunks, M c tokens.
    String shape = op("Shape", EncoderModelContract.INPUT_IDS);
    String n1 = op("Slice", shape, g.int64s(1), g.int64s(2), g.int64s(0));
    String padded1 = n1;
    String ids = EncoderModelContract.INPUT_IDS;
    String types = EncoderModelContract.TOKEN_TYPE_IDS;
    String positions = EncoderModelContract.POSITION_IDS;
    String items = EncoderModelContract.ITEM_POSITION_IDS;
    String attention = EncoderModelContract.ATTENTION_MASK;
    String global = EncoderModelContract.GLOBAL_ATTENTION_MASK;
    if (!dense) {
      String chunks = op("Div", op("Add", n1, g.int64s(c - 1)), g.int64s(c));
      padded1 = op("Mul", chunks, g.int64s(c));
      String pads =
          op("Concat", List.of(g.int64s(0, 0, 0), op("Sub", padded1, n1)), attr("axis", 0));
      ids = op("Pad", ids, pads);
      types = op("Pad", types, pads);
      positions = op("Pad", positions, pads);
      items = op("Pad", items, pads);
      attention = op("Pad", attention, pads);
      global = op("Pad", global, pads);
    }

    // Embeddings: sum of four lookups, LayerNorm.
    String e = op("Gather", weight("embeddings.word_embeddings.weight"), ids);
    e = op("Add", e, op("Gather", weight("embeddings.position_embeddings.weight"), positions));
    e = op("Add", e, op("Gather", weight("embeddings.token_type_embeddings.weight"), types));
    e = op("Add", e, op("Gather", weight("embeddings.item_position_embeddings.weight"), items));
    String x = layerNorm(e, "embeddings.LayerNorm");

    Masks masks = masks(attention, global, padded1);
    for (int l = 0; l < config.numLayers(); l++) {
      x = layer(l, x, masks);
    }

    // Cut the internal padding (chunked layout), pool, normalize.
    String hidden =
        dense
            ? g.opNamed(EncoderModelContract.OUTPUT_HIDDEN, "Identity", List.of(x))
            : g.opNamed(
                EncoderModelContract.OUTPUT_HIDDEN,
                "Slice",
                List.of(x, g.int64s(0), n1, g.int64s(1)));
    String pooledValue;
    if (config.pooling() == Pooling.CLS) {
      pooledValue = g.op("Gather", List.of(hidden, g.int64Scalar(0)), attr("axis", 1));
    } else {
      String mask =
          op(
              "Unsqueeze",
              g.op("Cast", List.of(EncoderModelContract.ATTENTION_MASK), attr("to", FLOAT)),
              g.int64s(2));
      String sum =
          g.op("ReduceSum", List.of(op("Mul", hidden, mask), g.int64s(1)), attr("keepdims", 0));
      String count = g.op("ReduceSum", List.of(mask, g.int64s(1)), attr("keepdims", 0));
      pooledValue = op("Div", sum, count);
    }
    String pooled = g.opNamed(EncoderModelContract.OUTPUT_POOLED, "Identity", List.of(pooledValue));
    String norm =
        op(
            "Sqrt",
            g.op(
                "ReduceSum", List.of(op("Mul", pooled, pooled), g.int64s(1)), attr("keepdims", 1)));
    g.opNamed(
        EncoderModelContract.OUTPUT_EMBEDDING,
        "Div",
        List.of(pooled, op("Max", norm, g.scalar(1e-12f))));

    g.output(EncoderModelContract.OUTPUT_POOLED, FLOAT, "batch", d);
    g.output(EncoderModelContract.OUTPUT_EMBEDDING, FLOAT, "batch", d);
    g.output(EncoderModelContract.OUTPUT_HIDDEN, FLOAT, "batch", "length", d);
    return g.build();
  }

  /**
   * The per-batch masks shared by all layers (the graph's counterpart of AttentionMasks): {@code
   * denseBias} in the dense layout, {@code windowBias} and {@code globalColumnBias} in the chunked
   * one (the others null).
   */
  private record Masks(
      String denseBias,
      String windowBias,
      String globalColumnBias,
      String globalRowBias,
      String select,
      String selectPerHead,
      String scatter,
      String notGlobal) {}

  private Masks masks(String attention, String global, String padded1) {
    String am = g.op("Cast", List.of(attention), attr("to", FLOAT)); // [B, N]
    String gm = g.op("Cast", List.of(global), attr("to", FLOAT));
    String one = g.scalar(1f);
    String blocked = g.scalar(-BLOCKED);
    String notGlobal = op("Sub", one, gm);
    String padded = op("Squeeze", padded1, g.int64s(0));
    String range = op("Range", g.int64Scalar(0), padded, g.int64Scalar(1)); // [N]
    String denseBias = null;
    String windowBias = null;
    if (dense) {
      // Query i sees key j iff j is real and (|i - j| <= c or j is global): [B, 1, N, N].
      String distance =
          op(
              "Abs",
              op("Sub", op("Unsqueeze", range, g.int64s(1)), op("Unsqueeze", range, g.int64s(0))));
      String band =
          g.op("Cast", List.of(op("LessOrEqual", distance, g.int64Scalar(c))), attr("to", FLOAT));
      String seen =
          op(
              "Mul",
              op("Max", op("Unsqueeze", band, g.int64s(0)), op("Unsqueeze", gm, g.int64s(1))),
              op("Unsqueeze", am, g.int64s(1))); // [B, N, N], 1 or 0
      denseBias = op("Unsqueeze", op("Mul", op("Sub", seen, one), blocked), g.int64s(1));
    } else {
      windowBias = windowBias(am, notGlobal, one, blocked);
    }

    // Global slots: TopK over "global first, then by position" picks each row's global tokens
    // in position order; k = max(1, most globals in a row), unused slots are marked invalid.
    String rangeF = g.op("Cast", List.of(range), attr("to", FLOAT));
    String score = op("Sub", op("Mul", gm, g.scalar(1e7f)), rangeF);
    String perRow = g.op("ReduceSum", List.of(gm, g.int64s(1)), attr("keepdims", 0));
    String most =
        g.op(
            "Cast",
            List.of(g.op("ReduceMax", List.of(perRow), attr("keepdims", 1))),
            attr("to", INT64));
    String k = op("Max", most, g.int64s(1));
    String[] top =
        g.ops("TopK", 2, List.of(score, k), attr("axis", 1), attr("largest", 1), attr("sorted", 1));
    String valid = g.op("Cast", List.of(op("Greater", top[0], g.scalar(0f))), attr("to", FLOAT));
    String select =
        g.op(
            "Cast",
            List.of(op("Equal", op("Unsqueeze", top[1], g.int64s(2)), range)),
            attr("to", FLOAT)); // [B, g, N]
    String scatter =
        g.op(
            "Transpose",
            List.of(op("Mul", select, op("Unsqueeze", valid, g.int64s(2)))),
            attrInts("perm", 0, 2, 1));
    // The chunked layout scores the global keys as g extra columns of every chunk.
    String selectPerHead = dense ? null : op("Unsqueeze", select, g.int64s(1)); // [B, 1, g, N]
    String globalColumnBias =
        dense
            ? null
            : op(
                "Unsqueeze",
                op("Mul", op("Sub", valid, one), blocked),
                g.int64s(1, 2, 3)); // [B, 1, 1, 1, g]
    String globalRowBias =
        op("Unsqueeze", op("Mul", op("Sub", am, one), blocked), g.int64s(1, 2)); // [B, 1, 1, N]
    return new Masks(
        denseBias,
        windowBias,
        globalColumnBias,
        globalRowBias,
        select,
        selectPerHead,
        scatter,
        op("Unsqueeze", notGlobal, g.int64s(2)));
  }

  /**
   * The chunked layout's [B, 1, M, c, 3c] bias: the static band plus, per block slot, the key's
   * padding or global mask (global keys come in as separate columns, so they are blocked here).
   */
  private String windowBias(String am, String notGlobal, String one, String blocked) {
    String keyBias = op("Mul", op("Sub", op("Mul", am, notGlobal), one), blocked); // 0 or -1e30
    String keyBiasPadded = op("Pad", keyBias, g.int64s(0, c, 0, c), g.scalar(BLOCKED));
    String previous =
        reshape(op("Slice", keyBiasPadded, g.int64s(0), g.int64s(-2L * c), g.int64s(1)), 0, -1, c);
    String own = reshape(keyBias, 0, -1, c);
    String next =
        reshape(
            op("Slice", keyBiasPadded, g.int64s(2L * c), g.int64s(Long.MAX_VALUE), g.int64s(1)),
            0,
            -1,
            c);
    String blocks = g.op("Concat", List.of(previous, own, next), attr("axis", 2)); // [B, M, 3c]
    return op("Add", op("Unsqueeze", blocks, g.int64s(1, 3)), bandBias());
  }

  /** Query offset a sees block slot s (key j = (m - 1) c + s) iff a <= s <= a + 2c. */
  private String bandBias() {
    float[] band = new float[c * 3 * c];
    for (int a = 0; a < c; a++) {
      for (int s = 0; s < 3 * c; s++) {
        band[a * 3 * c + s] = s >= a && s <= a + 2 * c ? 0f : BLOCKED;
      }
    }
    return g.floats("band_bias", new long[] {c, 3L * c}, band);
  }

  private String layer(int index, String x, Masks masks) {
    String p = "encoder.layer." + index + ".";
    String self = p + "attention.self.";
    // Fused q, k, v projection: one [d, 3d] MatMul.
    String qkv =
        op(
            "Add",
            op(
                "MatMul",
                x,
                g.floats(
                    self + "qkv.weight_t",
                    new long[] {d, 3L * d},
                    transposedConcat(
                        self + "query.weight", self + "key.weight", self + "value.weight"))),
            g.floats(
                self + "qkv.bias",
                new long[] {3L * d},
                concat(self + "query.bias", self + "key.bias", self + "value.bias")));
    String[] split = g.ops("Split", 3, List.of(qkv, g.int64s(d, d, d)), attr("axis", 2));
    float scale = (float) (1.0 / Math.sqrt(headSize));
    String q = heads(op("Mul", split[0], g.scalar(scale))); // [B, H, N, hs]
    String k = heads(split[1]);
    String v = heads(split[2]);

    String context = dense ? denseContext(q, k, v, masks) : chunkedContext(q, k, v, masks);

    // Global rows replace the local result of global tokens.
    context =
        op(
            "Add",
            op("Mul", context, masks.notGlobal),
            op("MatMul", masks.scatter, globalRows(self, x, masks)));

    String attended = linear(context, p + "attention.output.dense");
    String h = layerNorm(op("Add", attended, x), p + "attention.output.LayerNorm");
    String inner = gelu(linear(h, p + "intermediate.dense"));
    String out = linear(inner, p + "output.dense");
    return layerNorm(op("Add", out, h), p + "output.LayerNorm");
  }

  /** Local rows, dense layout: one masked [N, N] softmax per head. Returns [B, N, d]. */
  private String denseContext(String q, String k, String v, Masks masks) {
    String scores =
        op("Add", op("MatMul", q, transpose(k, 0, 1, 3, 2)), masks.denseBias); // [B, H, N, N]
    String probs = g.op("Softmax", List.of(scores), attr("axis", -1));
    return reshape(transpose(op("MatMul", probs, v), 0, 2, 1, 3), 0, 0, d);
  }

  /** Local rows, chunked layout: chunks of c queries against 3c-key blocks. Returns [B, N, d]. */
  private String chunkedContext(String q, String k, String v, Masks masks) {
    String qChunks = reshape(q, 0, 0, -1, c, headSize); // [B, H, M, c, hs]
    String kBlocks = blocks(k);
    String vBlocks = blocks(v);
    String scores =
        op(
            "Add",
            op("MatMul", qChunks, transpose(kBlocks, 0, 1, 2, 4, 3)),
            masks.windowBias); // [B, H, M, c, 3c]
    String kGlobal = op("MatMul", masks.selectPerHead, k); // [B, H, g, hs]
    String vGlobal = op("MatMul", masks.selectPerHead, v);
    String globalScores =
        op(
            "Add",
            op("MatMul", qChunks, op("Unsqueeze", transpose(kGlobal, 0, 1, 3, 2), g.int64s(2))),
            masks.globalColumnBias);
    String probs =
        g.op(
            "Softmax",
            List.of(g.op("Concat", List.of(scores, globalScores), attr("axis", 4))),
            attr("axis", -1));
    String local = op("Slice", probs, g.int64s(0), g.int64s(3L * c), g.int64s(4));
    String toGlobals = op("Slice", probs, g.int64s(3L * c), g.int64s(Long.MAX_VALUE), g.int64s(4));
    String context =
        op(
            "Add",
            op("MatMul", local, vBlocks),
            op("MatMul", toGlobals, op("Unsqueeze", vGlobal, g.int64s(2)))); // [B, H, M, c, hs]
    return reshape(transpose(reshape(context, 0, 0, -1, headSize), 0, 2, 1, 3), 0, 0, d);
  }

  /**
   * Rows of the global tokens [B, g, d] with the global projections; per head, q.(Wk x + bk) =
   * (Wk^T q).x + q.bk and sum p (Wv x + bv) = Wv (sum p x) + bv sum p, so the key and value weights
   * act on the g queries instead of all n tokens (as the DJL model).
   */
  private String globalRows(String self, String x, Masks masks) {
    String xGlobal = op("MatMul", masks.select, x); // [B, g, d]
    float scale = (float) (1.0 / Math.sqrt(headSize));
    String qGlobal = heads(op("Mul", linear(xGlobal, self + "query_global"), g.scalar(scale)));
    String keyWeight =
        g.floats(
            self + "key_global.weight",
            new long[] {heads, headSize, d},
            values(self + "key_global.weight"));
    String keyBias =
        g.floats(
            self + "key_global.bias",
            new long[] {heads, 1, headSize},
            values(self + "key_global.bias"));
    String valueWeightT =
        g.floats(
            self + "value_global.weight_t",
            new long[] {heads, d, headSize},
            headTransposed(values(self + "value_global.weight")));
    String valueBias =
        g.floats(
            self + "value_global.bias",
            new long[] {heads, 1, headSize},
            values(self + "value_global.bias"));
    String tokens = op("Unsqueeze", x, g.int64s(1)); // [B, 1, N, d]
    String queryInInput = op("MatMul", qGlobal, keyWeight); // [B, H, g, d]
    String shift =
        g.op("ReduceSum", List.of(op("Mul", qGlobal, keyBias), g.int64s(3)), attr("keepdims", 1));
    String scores =
        op(
            "Add",
            op("Add", op("MatMul", queryInInput, transpose(tokens, 0, 1, 3, 2)), shift),
            masks.globalRowBias);
    String probs = g.op("Softmax", List.of(scores), attr("axis", -1)); // [B, H, g, N]
    String mixed = op("MatMul", probs, tokens); // [B, H, g, d]
    String sumP = g.op("ReduceSum", List.of(probs, g.int64s(3)), attr("keepdims", 1));
    String context = op("Add", op("MatMul", mixed, valueWeightT), op("Mul", sumP, valueBias));
    return reshape(transpose(context, 0, 2, 1, 3), 0, 0, d);
  }

  /**
   * [B, H, N, hs] -> [B, H, M, 3c, hs]: for chunk m the keys of chunks m-1, m, m+1 (zeros outside).
   */
  private String blocks(String t) {
    String padded = op("Pad", t, g.int64s(0, 0, c, 0, 0, 0, c, 0));
    String previous =
        reshape(
            op("Slice", padded, g.int64s(0), g.int64s(-2L * c), g.int64s(2)),
            0,
            0,
            -1,
            c,
            headSize);
    String own = reshape(t, 0, 0, -1, c, headSize);
    String next =
        reshape(
            op("Slice", padded, g.int64s(2L * c), g.int64s(Long.MAX_VALUE), g.int64s(2)),
            0,
            0,
            -1,
            c,
            headSize);
    return g.op("Concat", List.of(previous, own, next), attr("axis", 3));
  }

  /** [B, N, d] -> [B, H, N, hs]. */
  private String heads(String t) {
    return transpose(reshape(t, 0, 0, heads, headSize), 0, 2, 1, 3);
  }

  private String linear(String x, String prefix) {
    long[] shape = weights.get(prefix + ".weight").shape(); // [out, in]
    String w =
        g.floats(
            prefix + ".weight_t",
            new long[] {shape[1], shape[0]},
            transpose(values(prefix + ".weight"), (int) shape[0], (int) shape[1]));
    return op("Add", op("MatMul", x, w), weight(prefix + ".bias"));
  }

  private String layerNorm(String x, String prefix) {
    return g.op(
        "LayerNormalization",
        List.of(x, weight(prefix + ".weight"), weight(prefix + ".bias")),
        attr("axis", -1),
        attr("epsilon", (float) config.layerNormEps()));
  }

  /** Exact GELU: x / 2 (1 + erf(x / sqrt 2)), as BERT and the DJL model. */
  private String gelu(String x) {
    String erf = op("Erf", op("Mul", x, g.scalar((float) (1 / Math.sqrt(2)))));
    return op("Mul", op("Mul", x, g.scalar(0.5f)), op("Add", erf, g.scalar(1f)));
  }

  private String weight(String name) {
    WeightTensor t = weights.get(name);
    return g.floats(name, t.shape(), t.values());
  }

  private float[] values(String name) {
    return weights.get(name).values();
  }

  private String reshape(String x, long... shape) {
    return op("Reshape", x, g.int64s(shape));
  }

  private String transpose(String x, long... perm) {
    return g.op("Transpose", List.of(x), attrInts("perm", perm));
  }

  private String op(String type, String... inputs) {
    return g.op(type, List.of(inputs));
  }

  private String op(String type, List<String> inputs, OnnxMl.AttributeProto... attributes) {
    return g.op(type, inputs, attributes);
  }

  /** [rows, cols] row-major -> [cols, rows]. */
  static float[] transpose(float[] m, int rows, int cols) {
    float[] t = new float[m.length];
    for (int r = 0; r < rows; r++) {
      for (int col = 0; col < cols; col++) {
        t[col * rows + r] = m[r * cols + col];
      }
    }
    return t;
  }

  /** Three [d, d] Linear weights ([out, in]) -> [d, 3d] = [Wq^T | Wk^T | Wv^T]. */
  private float[] transposedConcat(String... names) {
    float[] out = new float[d * 3 * d];
    for (int part = 0; part < names.length; part++) {
      float[] w = values(names[part]);
      for (int o = 0; o < d; o++) {
        for (int i = 0; i < d; i++) {
          out[i * 3 * d + part * d + o] = w[o * d + i];
        }
      }
    }
    return out;
  }

  private float[] concat(String... names) {
    float[] out = new float[names.length * d];
    for (int i = 0; i < names.length; i++) {
      System.arraycopy(values(names[i]), 0, out, i * d, d);
    }
    return out;
  }

  /** [H * hs, d] ([out, in]) -> [H, d, hs]: per head the transposed block. */
  private float[] headTransposed(float[] w) {
    float[] out = new float[w.length];
    for (int h = 0; h < heads; h++) {
      for (int s = 0; s < headSize; s++) {
        for (int i = 0; i < d; i++) {
          out[(h * d + i) * headSize + s] = w[(h * headSize + s) * d + i];
        }
      }
    }
    return out;
  }
}
