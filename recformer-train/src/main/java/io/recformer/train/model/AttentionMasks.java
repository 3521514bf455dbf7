package io.recformer.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The per-batch masks every layer shares, built once on the Java heap from the attention and
 * global-attention masks and then copied to the engine. All "bias" arrays are additive: 0 where a
 * query may attend a key, {@link #BLOCKED} where it may not, so a masked key gets probability
 * exactly 0 after the softmax (exp underflows) while no row ever becomes NaN.
 *
 * <p>Layout of the sliding-window bias ({@link LongformerSelfAttention} explains the chunking):
 * {@code [batch, 1, chunks, c, 3c + g]} where c = w/2 is the chunk length, the first 3c columns are
 * the keys of the previous, own and next chunk, and the last g columns are the batch's global
 * tokens (g = the largest number of global tokens in one row).
 *
 * <p>Under {@link Precision#FP16_MIXED} each mask is built in the type of what it meets: the
 * additive biases stay float32, so adding them to float16 scores gives the float32 sum the softmax
 * needs (and -1e30 stays representable), while the one-hot and keep masks, which multiply float16
 * activations, are float16 (0 and 1 are exact).
 */
final class AttentionMasks {

  /**
   * Additive bias of a forbidden (query, key) pair; finite so fully masked padding rows stay
   * finite.
   */
  static final float BLOCKED = -1e30f;

  final int batchSize;

  /** Internal (padded) length: a multiple of the chunk length. */
  final int paddedLength;

  /** Chunk length c = w / 2. */
  final int chunk;

  /** Largest number of global tokens in a row; 0 means no global attention at all. */
  final int globalCount;

  /**
   * The computation every layer uses for this batch: {@link AttentionMode#resolve}d, never auto.
   */
  final AttentionMode path;

  /**
   * {@code [B, 1, N/c, c, 3c + g]} sliding-window (plus global columns) bias, or null unless the
   * path is {@link AttentionMode#CHUNKED}.
   */
  final NDArray windowBias;

  /** {@code [B, 1, N, N]} band-and-global bias of the dense paths, or null on the chunked path. */
  final NDArray fullBias;

  /** {@code [B, 1, 1, N]} bias of the global rows: only padding is blocked. Null if g = 0. */
  final NDArray globalRowBias;

  /** {@code [B, g, N]} one-hot selection of each row's global tokens (all-zero unused slots). */
  final NDArray select;

  /** {@code [B, N, g]} transpose of {@link #select}, scatters global rows back. */
  final NDArray scatter;

  /** {@code [B, N, 1]}: 1 for non-global tokens, 0 for global ones. */
  final NDArray notGlobal;

  /** The type of matrix-product operands for this batch ({@link Precision#computeType()}). */
  final DataType computeType;

  /** As the full constructor in float32 ({@link Precision#FP32}). */
  AttentionMasks(
      NDManager manager,
      int batchSize,
      int paddedLength,
      int window,
      int[] attention,
      int[] global,
      AttentionMode mode) {
    this(manager, batchSize, paddedLength, window, attention, global, mode, Precision.FP32);
  }

  /**
   * @param attention row-major {@code [batchSize, paddedLength]} 1 = real token, 0 = padding
   * @param global row-major {@code [batchSize, paddedLength]} 1 = global token
   * @param precision the precision of the forward that uses the masks
   */
  AttentionMasks(
      NDManager manager,
      int batchSize,
      int paddedLength,
      int window,
      int[] attention,
      int[] global,
      AttentionMode mode,
      Precision precision) {
    this.batchSize = batchSize;
    this.computeType = precision.computeType();
    this.paddedLength = paddedLength;
    this.chunk = window / 2;
    int n = paddedLength;
    int c = chunk;
    if (n % c != 0) {
      throw new IllegalStateException("padded length " + n + " is not a multiple of w/2 = " + c);
    }
    int[][] globalsOfRow = new int[batchSize][];
    int g = 0;
    for (int b = 0; b < batchSize; b++) {
      int count = 0;
      for (int i = 0; i < n; i++) {
        count += global[b * n + i];
      }
      int[] idx = new int[count];
      for (int i = 0, k = 0; i < n; i++) {
        if (global[b * n + i] == 1) {
          idx[k++] = i;
        }
      }
      globalsOfRow[b] = idx;
      g = Math.max(g, count);
    }
    this.globalCount = g;
    this.path = mode.resolve(n, c);

    if (path == AttentionMode.CHUNKED) {
      windowBias =
          OwnedArrays.create(
              manager,
              windowBias(attention, global, globalsOfRow, n, c, g),
              new Shape(batchSize, 1, n / c, c, 3L * c + g));
      fullBias = null;
    } else {
      windowBias = null;
      fullBias =
          OwnedArrays.create(
              manager, fullBias(attention, global, n, c), new Shape(batchSize, 1, n, n));
    }

    if (g == 0) {
      globalRowBias = null;
      select = null;
      scatter = null;
      notGlobal = null;
      return;
    }
    float[] rowBias = new float[batchSize * n];
    float[] sel = new float[batchSize * g * n];
    float[] sct = new float[batchSize * n * g];
    float[] keep = new float[batchSize * n];
    for (int b = 0; b < batchSize; b++) {
      for (int j = 0; j < n; j++) {
        rowBias[b * n + j] = attention[b * n + j] == 1 ? 0f : BLOCKED;
        keep[b * n + j] = global[b * n + j] == 1 ? 0f : 1f;
      }
      int[] idx = globalsOfRow[b];
      for (int k = 0; k < idx.length; k++) {
        sel[(b * g + k) * n + idx[k]] = 1f;
        sct[(b * n + idx[k]) * g + k] = 1f;
      }
    }
    globalRowBias = OwnedArrays.create(manager, rowBias, new Shape(batchSize, 1, 1, n));
    select = multiplier(manager, sel, new Shape(batchSize, g, n), computeType);
    scatter = multiplier(manager, sct, new Shape(batchSize, n, g), computeType);
    notGlobal = multiplier(manager, keep, new Shape(batchSize, n, 1), computeType);
  }

  /** A 0/1 mask that multiplies activations of {@code type}. */
  private static NDArray multiplier(NDManager manager, float[] data, Shape shape, DataType type) {
    NDArray mask = OwnedArrays.create(manager, data, shape);
    if (type == DataType.FLOAT32) {
      return mask;
    }
    // A constant: the cast needs no gradient, and the converted copy owns its memory.
    NDArray converted = mask.toType(type, false);
    mask.close();
    return converted;
  }

  /**
   * Query i = m c + a (chunk m, offset a) sees window slot s in [0, 3c) holding key j = (m - 1) c +
   * s. |i - j| <= c <=> a <= s <= a + 2c: the band is the same for every chunk, which is why chunks
   * of w/2 with their two neighbours hold exactly every key a query may see.
   */
  private static float[] windowBias(
      int[] attention, int[] global, int[][] globalsOfRow, int n, int c, int g) {
    int batchSize = globalsOfRow.length;
    int chunks = n / c;
    int width = 3 * c + g;
    float[] bias = new float[batchSize * n * width];
    Arrays.fill(bias, BLOCKED);
    for (int b = 0; b < batchSize; b++) {
      int row = b * n;
      for (int m = 0; m < chunks; m++) {
        for (int a = 0; a < c; a++) {
          int base = ((b * chunks + m) * c + a) * width;
          for (int s = a; s <= a + 2 * c; s++) {
            int j = (m - 1) * c + s;
            if (j >= 0 && j < n && attention[row + j] == 1 && global[row + j] == 0) {
              bias[base + s] = 0f;
            }
          }
          int[] idx = globalsOfRow[b];
          for (int k = 0; k < idx.length; k++) {
            bias[base + 3 * c + k] = 0f;
          }
        }
      }
    }
    return bias;
  }

  /**
   * The oracle's n x n version of the same rule: band keys that are local, plus every global key.
   */
  private static float[] fullBias(int[] attention, int[] global, int n, int c) {
    int batchSize = attention.length / n;
    float[] bias = new float[batchSize * n * n];
    Arrays.fill(bias, BLOCKED);
    for (int b = 0; b < batchSize; b++) {
      int row = b * n;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (attention[row + j] == 0) {
            continue;
          }
          boolean isGlobalKey = global[row + j] == 1;
          if (isGlobalKey || Math.abs(i - j) <= c) {
            bias[(row + i) * n + j] = 0f;
          }
        }
      }
    }
    return bias;
  }
}
