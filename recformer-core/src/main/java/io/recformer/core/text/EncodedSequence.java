package io.recformer.core.text;

import java.util.Arrays;
import java.util.Locale;

/**
 * One Recformer input sequence before padding (reference section 2): parallel arrays of equal
 * length, position 0 being [CLS]. Every token is real (attention mask 1); the global-attention mask
 * is 1 on [CLS] only.
 *
 * <p>Arrays are copied in and out, so instances are immutable values.
 */
public final class EncodedSequence {

  private final int[] inputIds;
  private final int[] tokenTypeIds;
  private final int[] tokenPositionIds;
  private final int[] itemPositionIds;

  /**
   * @param inputIds vocabulary ids, [CLS] first
   * @param tokenTypeIds 0 for CLS, 1 for attribute keys, 2 for attribute values
   * @param tokenPositionIds token positions, starting at the config's position offset
   * @param itemPositionIds 0 for CLS, k for every token of the k-th most recent item
   */
  public EncodedSequence(
      int[] inputIds, int[] tokenTypeIds, int[] tokenPositionIds, int[] itemPositionIds) {
    this(inputIds, tokenTypeIds, tokenPositionIds, itemPositionIds, true);
  }

  private EncodedSequence(
      int[] inputIds,
      int[] tokenTypeIds,
      int[] tokenPositionIds,
      int[] itemPositionIds,
      boolean copy) {
    int n = inputIds.length;
    if (n == 0) {
      throw new IllegalArgumentException("an encoded sequence needs at least the [CLS] token");
    }
    requireLength("tokenTypeIds", tokenTypeIds, n);
    requireLength("tokenPositionIds", tokenPositionIds, n);
    requireLength("itemPositionIds", itemPositionIds, n);
    this.inputIds = copy ? inputIds.clone() : inputIds;
    this.tokenTypeIds = copy ? tokenTypeIds.clone() : tokenTypeIds;
    this.tokenPositionIds = copy ? tokenPositionIds.clone() : tokenPositionIds;
    this.itemPositionIds = copy ? itemPositionIds.clone() : itemPositionIds;
  }

  /** Takes ownership of freshly built arrays without copying them (the encoder's hot path). */
  static EncodedSequence wrap(
      int[] inputIds, int[] tokenTypeIds, int[] tokenPositionIds, int[] itemPositionIds) {
    return new EncodedSequence(inputIds, tokenTypeIds, tokenPositionIds, itemPositionIds, false);
  }

  private static void requireLength(String name, int[] array, int expected) {
    if (array.length != expected) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s has %d entries, expected %d (the length of inputIds)",
              name,
              array.length,
              expected));
    }
  }

  /** Number of tokens, [CLS] included. */
  public int length() {
    return inputIds.length;
  }

  public int[] inputIds() {
    return inputIds.clone();
  }

  public int[] tokenTypeIds() {
    return tokenTypeIds.clone();
  }

  public int[] tokenPositionIds() {
    return tokenPositionIds.clone();
  }

  public int[] itemPositionIds() {
    return itemPositionIds.clone();
  }

  // Backing arrays for this package's hot paths (collation); never handed out publicly.
  int[] inputIdsView() {
    return inputIds;
  }

  int[] tokenTypeIdsView() {
    return tokenTypeIds;
  }

  int[] tokenPositionIdsView() {
    return tokenPositionIds;
  }

  int[] itemPositionIdsView() {
    return itemPositionIds;
  }

  /** Input id at a position, without copying the array. */
  public int inputId(int position) {
    return inputIds[position];
  }

  public int tokenTypeId(int position) {
    return tokenTypeIds[position];
  }

  public int tokenPositionId(int position) {
    return tokenPositionIds[position];
  }

  public int itemPositionId(int position) {
    return itemPositionIds[position];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncodedSequence other
        && Arrays.equals(inputIds, other.inputIds)
        && Arrays.equals(tokenTypeIds, other.tokenTypeIds)
        && Arrays.equals(tokenPositionIds, other.tokenPositionIds)
        && Arrays.equals(itemPositionIds, other.itemPositionIds);
  }

  @Override
  public int hashCode() {
    int h = Arrays.hashCode(inputIds);
    h = 31 * h + Arrays.hashCode(tokenTypeIds);
    h = 31 * h + Arrays.hashCode(tokenPositionIds);
    return 31 * h + Arrays.hashCode(itemPositionIds);
  }

  @Override
  public String toString() {
    return "EncodedSequence[length="
        + inputIds.length
        + ", inputIds="
        + Arrays.toString(inputIds)
        + ", tokenTypeIds="
        + Arrays.toString(tokenTypeIds)
        + ", tokenPositionIds="
        + Arrays.toString(tokenPositionIds)
        + ", itemPositionIds="
        + Arrays.toString(itemPositionIds)
        + "]";
  }
}
