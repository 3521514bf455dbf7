package io.recformer.core.text;

import java.util.Arrays;
import java.util.Locale;

/**
 * A padded batch of Recformer inputs, ready for an engine: six row-major {@code [batch, length]}
 * int arrays. Padding positions carry the pad token id, token type 3, token position {@code
 * max(positionOffset - 1, 0)} (Hugging Face's padding index: 1 for RoBERTa-style positions, 0 for
 * BERT), item position {@code maxItemPositions - 1} (the original code's padding row), attention
 * mask 0 and global-attention mask 0; see {@link BatchCollator}. Global attention is 1 on [CLS]
 * only.
 *
 * <p>Arrays are copied in; the accessors return the backing arrays without copying, because batches
 * are handed to engines on the hot path. Callers must not modify them.
 */
public final class EncodedBatch {

  private final int batchSize;
  private final int length;
  private final int[] inputIds;
  private final int[] tokenTypeIds;
  private final int[] tokenPositionIds;
  private final int[] itemPositionIds;
  private final int[] attentionMask;
  private final int[] globalAttentionMask;

  public EncodedBatch(
      int batchSize,
      int length,
      int[] inputIds,
      int[] tokenTypeIds,
      int[] tokenPositionIds,
      int[] itemPositionIds,
      int[] attentionMask,
      int[] globalAttentionMask) {
    this(
        batchSize,
        length,
        inputIds,
        tokenTypeIds,
        tokenPositionIds,
        itemPositionIds,
        attentionMask,
        globalAttentionMask,
        true);
  }

  private EncodedBatch(
      int batchSize,
      int length,
      int[] inputIds,
      int[] tokenTypeIds,
      int[] tokenPositionIds,
      int[] itemPositionIds,
      int[] attentionMask,
      int[] globalAttentionMask,
      boolean copy) {
    if (batchSize < 1 || length < 1) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "batch shape [%d, %d] must be positive in both dimensions",
              batchSize,
              length));
    }
    int n = Math.multiplyExact(batchSize, length);
    this.batchSize = batchSize;
    this.length = length;
    this.inputIds = checked("inputIds", inputIds, n, copy);
    this.tokenTypeIds = checked("tokenTypeIds", tokenTypeIds, n, copy);
    this.tokenPositionIds = checked("tokenPositionIds", tokenPositionIds, n, copy);
    this.itemPositionIds = checked("itemPositionIds", itemPositionIds, n, copy);
    this.attentionMask = checked("attentionMask", attentionMask, n, copy);
    this.globalAttentionMask = checked("globalAttentionMask", globalAttentionMask, n, copy);
  }

  /** Takes ownership of freshly built arrays without copying them (the collator's hot path). */
  static EncodedBatch wrap(
      int batchSize,
      int length,
      int[] inputIds,
      int[] tokenTypeIds,
      int[] tokenPositionIds,
      int[] itemPositionIds,
      int[] attentionMask,
      int[] globalAttentionMask) {
    return new EncodedBatch(
        batchSize,
        length,
        inputIds,
        tokenTypeIds,
        tokenPositionIds,
        itemPositionIds,
        attentionMask,
        globalAttentionMask,
        false);
  }

  private static int[] checked(String name, int[] array, int expected, boolean copy) {
    if (array.length != expected) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s has %d entries, expected batch x length = %d",
              name,
              array.length,
              expected));
    }
    return copy ? array.clone() : array;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Padded length of every row. */
  public int length() {
    return length;
  }

  public int[] inputIds() {
    return inputIds;
  }

  public int[] tokenTypeIds() {
    return tokenTypeIds;
  }

  public int[] tokenPositionIds() {
    return tokenPositionIds;
  }

  public int[] itemPositionIds() {
    return itemPositionIds;
  }

  public int[] attentionMask() {
    return attentionMask;
  }

  public int[] globalAttentionMask() {
    return globalAttentionMask;
  }

  /** Number of real (non-padding) tokens of row {@code b}. */
  public int sequenceLength(int b) {
    int count = 0;
    for (int i = b * length, end = i + length; i < end; i++) {
      count += attentionMask[i];
    }
    return count;
  }

  /** Total real tokens in the batch. */
  public long realTokens() {
    long count = 0;
    for (int m : attentionMask) {
      count += m;
    }
    return count;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncodedBatch other
        && batchSize == other.batchSize
        && length == other.length
        && Arrays.equals(inputIds, other.inputIds)
        && Arrays.equals(tokenTypeIds, other.tokenTypeIds)
        && Arrays.equals(tokenPositionIds, other.tokenPositionIds)
        && Arrays.equals(itemPositionIds, other.itemPositionIds)
        && Arrays.equals(attentionMask, other.attentionMask)
        && Arrays.equals(globalAttentionMask, other.globalAttentionMask);
  }

  @Override
  public int hashCode() {
    int h = 31 * batchSize + length;
    h = 31 * h + Arrays.hashCode(inputIds);
    h = 31 * h + Arrays.hashCode(tokenTypeIds);
    h = 31 * h + Arrays.hashCode(itemPositionIds);
    return 31 * h + Arrays.hashCode(attentionMask);
  }

  @Override
  public String toString() {
    return "EncodedBatch[" + batchSize + " x " + length + "]";
  }
}
