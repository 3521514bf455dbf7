package io.recformer.train.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;

/**
 * Longformer self-attention with Hugging Face semantics (reference section 3), computed exactly in
 * O(n w) time and memory.
 *
 * <h2>What is computed</h2>
 *
 * A non-global token i attends, in one softmax, to the keys j with |i - j| <= w/2 that are neither
 * padding nor global, plus every global token, all with the ordinary query/key/value projections
 * (query scaled by 1/sqrt(head size)). A global token attends to every non-padding token with the
 * separate {@code query_global}/{@code key_global}/{@code value_global} projections, and that row
 * replaces its local result.
 *
 * <h2>How: chunks of w/2</h2>
 *
 * The sequence (padded internally to a multiple of c = w/2) is cut into chunks of c queries. A
 * query i = m c + a in chunk m can only see keys in [i - c, i + c], which lie inside chunks m - 1,
 * m and m + 1. So each chunk's queries are scored against a 3c-key block made of its own and its
 * two neighbouring chunks (zero keys beyond the ends): a batched [c x head] x [head x 3c] product,
 * 3 n c scores per head instead of n^2. Slot s of the block holds key j = (m - 1) c + s, and |i -
 * j| <= c is exactly a <= s <= a + 2c, one static band for every chunk; {@link AttentionMasks}
 * combines it with the padding and global-key masks into one additive bias, so the band is exact,
 * not approximate. Global keys (few, usually only CLS) are gathered with a one-hot matrix and add g
 * score columns to every chunk before the joint softmax. The global rows are a separate small [g x
 * n] attention. Chunks shorter than w/2 would need more than two neighbours; longer ones would
 * score keys outside the band, wasting work.
 *
 * <h2>Dense band for short sequences</h2>
 *
 * When the padded sequence spans only a few chunks, the block building above (padding, three
 * shifted copies of every key and value, and their gradients) costs more than it saves, and one
 * masked n x n score matrix per head ({@link AttentionMode#DENSE_BAND}) is faster although it
 * multiplies more: {@link AttentionMasks#fullBias} blocks every key outside the band that is not
 * global, so each softmax sees exactly the keys the chunked path sees, with exp(-1e30 - max) = 0
 * for the rest. Which path a batch takes is {@link AttentionMode#resolve}'s rule, decided once per
 * batch in {@link AttentionMasks}; {@link AttentionMode#FULL_ORACLE} is the same dense computation
 * kept as the name the tests compare the chunks against.
 *
 * <h2>Mixed precision</h2>
 *
 * Under {@link Precision#FP16_MIXED} ({@link AttentionMasks#computeType} float16) the projections
 * and the score and context products run in float16 on weights and inputs cast at use ({@link
 * Casts}); scores plus the float32 mask bias are float32 by type promotion, so the softmax (and its
 * -1e30 blocking) runs in float32 as under autocast, and its probabilities are cast back to float16
 * for the products with the values. The context returned is float16.
 */
final class LongformerSelfAttention {

  private final int hidden;
  private final int heads;
  private final int headSize;
  private final float attentionDropout;
  private final double scale;

  private final Parameter queryW;
  private final Parameter queryB;
  private final Parameter keyW;
  private final Parameter keyB;
  private final Parameter valueW;
  private final Parameter valueB;
  private final Parameter queryGlobalW;
  private final Parameter queryGlobalB;
  private final Parameter keyGlobalW;
  private final Parameter keyGlobalB;
  private final Parameter valueGlobalW;
  private final Parameter valueGlobalB;

  LongformerSelfAttention(
      String prefix, int hidden, int heads, float attentionDropout, ParameterFactory params) {
    this.hidden = hidden;
    this.heads = heads;
    this.headSize = hidden / heads;
    this.attentionDropout = attentionDropout;
    this.scale = 1.0 / Math.sqrt(headSize);
    queryW = params.weight(prefix + "query.weight", hidden, hidden);
    queryB = params.bias(prefix + "query.bias", hidden);
    keyW = params.weight(prefix + "key.weight", hidden, hidden);
    keyB = params.bias(prefix + "key.bias", hidden);
    valueW = params.weight(prefix + "value.weight", hidden, hidden);
    valueB = params.bias(prefix + "value.bias", hidden);
    queryGlobalW = params.weight(prefix + "query_global.weight", hidden, hidden);
    queryGlobalB = params.bias(prefix + "query_global.bias", hidden);
    keyGlobalW = params.weight(prefix + "key_global.weight", hidden, hidden);
    keyGlobalB = params.bias(prefix + "key_global.bias", hidden);
    valueGlobalW = params.weight(prefix + "value_global.weight", hidden, hidden);
    valueGlobalB = params.bias(prefix + "value_global.bias", hidden);
  }

  /**
   * Context vectors (before the attention output dense) for hidden states {@code [B, N, d]}, N a
   * multiple of w/2. Temporaries go to {@code scope}; the result too (the caller owns the scope).
   * The computation is {@code masks.path} (the masks were built for it); {@code mode} is the
   * requested one and only checked against it.
   */
  NDArray forward(
      ParameterStore store,
      NDArray x,
      AttentionMasks masks,
      boolean training,
      AttentionMode mode,
      NDManager scope) {
    if (mode.resolve(masks.paddedLength, masks.chunk) != masks.path) {
      throw new IllegalArgumentException(
          "masks built for " + masks.path + ", attention asked for " + mode);
    }
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    boolean global = masks.globalCount > 0;
    var device = x.getDevice();
    DataType type = masks.computeType;
    NDArray input = Casts.to(x, type);

    // One fused projection for q, k, v: concatenating [out, in] weights along "out" leaves every
    // output column's dot product unchanged. 1/sqrt(head size) is folded into the query weights
    // (d^2 multiplications instead of n d). The global key/value projections are never applied to
    // all tokens (see globalRows).
    NDArray queryWeight = OwnedArrays.scale(value(store, queryW, device, training), scale);
    NDArray queryBias = OwnedArrays.scale(value(store, queryB, device, training), scale);
    queryWeight.attach(scope);
    queryBias.attach(scope);
    NDArray w =
        NDArrays.concat(
            new NDList(
                queryWeight,
                value(store, keyW, device, training),
                value(store, valueW, device, training)),
            0);
    NDArray bias =
        NDArrays.concat(
            new NDList(
                queryBias,
                value(store, keyB, device, training),
                value(store, valueB, device, training)),
            0);
    NDArray projected =
        Linear.linear(input, Casts.to(w, type), Casts.to(bias, type)).singletonOrThrow();

    // Strided views [B, N, d] of the fused output; copies happen only where a layout is built.
    NDArray q = projected.get(":, :, 0:" + hidden);
    NDArray k = projected.get(":, :, " + hidden + ":" + 2 * hidden);
    NDArray v = projected.get(":, :, " + 2 * hidden + ":" + 3 * hidden);

    NDArray context =
        masks.path == AttentionMode.CHUNKED
            ? slidingWindow(q, k, v, masks, training, b, n)
            : full(heads(q, b, n), heads(k, b, n), heads(v, b, n), masks, training)
                .transpose(0, 2, 1, 3)
                .reshape(b, n, hidden);

    if (global) {
      NDArray globalRows = globalRows(store, input, masks, training, b);
      // Exact merge: multiplying by 1/0 and adding one-hot products changes no bit of a kept value.
      context = context.mul(masks.notGlobal).add(masks.scatter.matMul(globalRows));
    }
    return context;
  }

  /**
   * Chunked attention on {@code [B, N, d]} views; returns {@code [B, N, d]}.
   *
   * <p>Layouts are chosen so that each batched matmul gets contiguous operands (a transposed
   * operand makes PyTorch copy it first): keys are assembled directly as {@code [B, H, M, hs, K]}
   * and values as {@code [B, H, M, K, hs]}, K = 3c + g. The g global keys/values are appended to
   * every chunk's block, so one matmul and one softmax cover band and global keys together.
   */
  private NDArray slidingWindow(
      NDArray q, NDArray k, NDArray v, AttentionMasks masks, boolean training, long b, long n) {
    int c = masks.chunk;
    long m = n / c;
    int g = masks.globalCount;
    // [B, N, d] -> [B, M, c, H, hs] (a view) -> per-chunk layouts.
    NDArray qChunks = q.reshape(b, m, c, heads, headSize).transpose(0, 3, 1, 2, 4); // [B,H,M,c,hs]
    NDArray kT = k.reshape(b, m, c, heads, headSize).transpose(0, 3, 1, 4, 2); // [B,H,M,hs,c]
    NDArray vChunks = v.reshape(b, m, c, heads, headSize).transpose(0, 3, 1, 2, 4); // [B,H,M,c,hs]
    // One zero chunk on each side of the chunk axis; pad() takes (before, after) pairs from the
    // last axis backwards. Chunk m's neighbours are then padded chunks m, m+1, m+2.
    Shape oneChunkEachSide = new Shape(0, 0, 0, 0, 1, 1);
    NDArray kPadded = kT.pad(oneChunkEachSide, 0);
    NDArray vPadded = vChunks.pad(oneChunkEachSide, 0);
    NDList keyParts =
        new NDList(
            kPadded.get(":, :, 0:" + m),
            kPadded.get(":, :, 1:" + (m + 1)),
            kPadded.get(":, :, 2:" + (m + 2)));
    NDList valueParts =
        new NDList(
            vPadded.get(":, :, 0:" + m),
            vPadded.get(":, :, 1:" + (m + 1)),
            vPadded.get(":, :, 2:" + (m + 2)));
    if (g > 0) {
      // The global tokens' ordinary keys/values [B, H, g, hs], shared by every chunk.
      NDArray kOfGlobals = heads(masks.select.matMul(k), b, g);
      NDArray vOfGlobals = heads(masks.select.matMul(v), b, g);
      keyParts.add(
          kOfGlobals.transpose(0, 1, 3, 2).expandDims(2).broadcast(b, heads, m, headSize, g));
      valueParts.add(vOfGlobals.expandDims(2).broadcast(b, heads, m, g, headSize));
    }
    NDArray keyBlocks = NDArrays.concat(keyParts, 4); // [B, H, M, hs, 3c + g]
    NDArray valueBlocks = NDArrays.concat(valueParts, 3); // [B, H, M, 3c + g, hs]
    NDArray scores = qChunks.matMul(keyBlocks); // [B, H, M, c, 3c + g]
    NDArray probs = dropout(scores.add(masks.windowBias).softmax(4), training);
    NDArray context = Casts.to(probs, masks.computeType).matMul(valueBlocks); // [B, H, M, c, hs]
    return context.transpose(0, 2, 3, 1, 4).reshape(b, n, hidden);
  }

  private NDArray full(NDArray q, NDArray k, NDArray v, AttentionMasks masks, boolean training) {
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).add(masks.fullBias);
    return Casts.to(dropout(scores.softmax(3), training), masks.computeType).matMul(v);
  }

  /**
   * The global tokens' own rows {@code [B, g, d]}: separate projections over all real tokens.
   *
   * <p>Projecting every token with {@code key_global} and {@code value_global} (2 d^2 multiply-adds
   * per token, as Hugging Face does) is avoided by moving the weights to the few global queries:
   * per head h, {@code q_h . (Wk_h x_j + bk_h) = (Wk_h^T q_h) . x_j + q_h . bk_h} and {@code sum_j
   * p_j (Wv_h x_j + bv_h) = Wv_h (sum_j p_j x_j) + bv_h sum_j p_j}. The same real numbers, about d
   * / heads times fewer operations; {@code sum_j p_j} is kept (not assumed 1) because dropout
   * changes it. The {@code q_h . bk_h} term shifts all of a row's scores equally, so it cancels in
   * the softmax, but it is kept so the bias stays in the graph like every parameter (its gradient
   * is 0, as in the original).
   */
  private NDArray globalRows(
      ParameterStore store, NDArray x, AttentionMasks masks, boolean training, long b) {
    var device = x.getDevice();
    DataType type = masks.computeType;
    NDManager scope = x.getManager();
    int g = masks.globalCount;
    NDArray xGlobal = masks.select.matMul(x); // [B, g, d]
    NDArray qGlobal =
        OwnedArrays.scale(
            Linear.linear(
                    xGlobal,
                    Casts.parameter(store, queryGlobalW, device, training, type, scope),
                    Casts.parameter(store, queryGlobalB, device, training, type, scope))
                .singletonOrThrow(),
            scale);
    qGlobal = qGlobal.reshape(b, g, heads, headSize).transpose(0, 2, 1, 3); // [B, H, g, hs]
    NDArray keyWeight = value(store, keyGlobalW, device, training).reshape(heads, headSize, hidden);
    NDArray keyBias = value(store, keyGlobalB, device, training).reshape(heads, 1, headSize);
    NDArray valueWeight =
        value(store, valueGlobalW, device, training).reshape(heads, headSize, hidden);
    NDArray valueBias = value(store, valueGlobalB, device, training).reshape(heads, 1, headSize);
    keyWeight.attach(scope);
    keyBias.attach(scope);
    valueWeight.attach(scope);
    valueBias.attach(scope);
    keyWeight = Casts.to(keyWeight, type);
    keyBias = Casts.to(keyBias, type);
    valueWeight = Casts.to(valueWeight, type);
    valueBias = Casts.to(valueBias, type);
    // Matmuls below keep the batch-shared operand 3-D ([B, rows, d] with x, or [H, rows, .] with
    // the per-head weights): a 4-D matmul that broadcasts one operand over a missing axis makes
    // PyTorch materialize the expanded copy (B x H x N x d floats), which cost more than the
    // rest of the layer at batch 64.
    long n = x.getShape().get(1);
    NDArray qByHead = qGlobal.transpose(1, 0, 2, 3).reshape(heads, b * g, headSize);
    NDArray queryInInput =
        qByHead
            .matMul(keyWeight) // [H, B g, d]
            .reshape(heads, b, g, hidden)
            .transpose(1, 0, 2, 3)
            .reshape(b, heads * ((long) g), hidden);
    NDArray shift = qGlobal.mul(keyBias).sum(new int[] {3}, true); // [B, H, g, 1]
    NDArray scores =
        queryInInput
            .matMul(x.transpose(0, 2, 1)) // [B, H g, N]
            .reshape(b, heads, g, n)
            .add(shift)
            .add(masks.globalRowBias);
    NDArray probs = Casts.to(dropout(scores.softmax(3), training), type); // [B, H, g, N]
    NDArray mixed =
        probs
            .reshape(b, heads * ((long) g), n)
            .matMul(x) // [B, H g, d]
            .reshape(b, heads, g, hidden)
            .transpose(1, 0, 2, 3)
            .reshape(heads, b * g, hidden);
    NDArray context =
        mixed
            .matMul(valueWeight.transpose(0, 2, 1)) // [H, B g, hs]
            .reshape(heads, b, g, headSize)
            .transpose(1, 0, 2, 3) // [B, H, g, hs]
            .add(probs.sum(new int[] {3}, true).mul(valueBias));
    return context.transpose(0, 2, 1, 3).reshape(b, g, hidden);
  }

  private NDArray heads(NDArray x, long b, long n) {
    return x.reshape(b, n, heads, headSize).transpose(0, 2, 1, 3);
  }

  private NDArray dropout(NDArray probs, boolean training) {
    if (!training || attentionDropout == 0f) {
      return probs;
    }
    return Dropout.dropout(probs, attentionDropout, true).singletonOrThrow();
  }

  private static NDArray value(ParameterStore store, Parameter p, Device device, boolean training) {
    return store.getValue(p, device, training);
  }
}
