package io.recformer.core.text;

import java.util.Arrays;
import java.util.Objects;

/**
 * One item's tokens as they enter a Recformer sequence (reference section 2, step 1): for each of
 * the first {@code maxAttributes} attributes, key tokens (type 1) then value tokens (type 2), the
 * pair cut to {@code maxAttributeTokens}; attributes follow each other without separators. No
 * special tokens.
 *
 * <p>Tokenizing is the expensive step of encoding, so callers tokenize each item once (see {@link
 * ItemTokenCache}) and assemble histories from these. Immutable: arrays are copied in and out.
 */
public final class TokenizedItem {

  private final String itemId;
  private final int[] tokenIds;
  private final int[] tokenTypeIds;
  private final boolean[] wordStarts;

  /**
   * @param itemId the item's id, for messages
   * @param tokenIds vocabulary ids, no special tokens
   * @param tokenTypeIds 1 (key) or 2 (value) per token
   * @param wordStarts whether each token begins a word: the first token of every key and value
   *     does, later ones as the vocabulary spells it (used by whole-word masking)
   */
  public TokenizedItem(String itemId, int[] tokenIds, int[] tokenTypeIds, boolean[] wordStarts) {
    this.itemId = Objects.requireNonNull(itemId, "item id");
    if (tokenTypeIds.length != tokenIds.length || wordStarts.length != tokenIds.length) {
      throw new IllegalArgumentException(
          "item '"
              + itemId
              + "': "
              + tokenIds.length
              + " token ids but "
              + tokenTypeIds.length
              + " token types and "
              + wordStarts.length
              + " word-start flags");
    }
    this.tokenIds = tokenIds.clone();
    this.tokenTypeIds = tokenTypeIds.clone();
    this.wordStarts = wordStarts.clone();
  }

  public String itemId() {
    return itemId;
  }

  /** Number of tokens (without [CLS]). */
  public int length() {
    return tokenIds.length;
  }

  public int[] tokenIds() {
    return tokenIds.clone();
  }

  public int[] tokenTypeIds() {
    return tokenTypeIds.clone();
  }

  public boolean[] wordStarts() {
    return wordStarts.clone();
  }

  /** Copies tokens {@code [0, count)} into the destination arrays at {@code offset} (hot path). */
  void copyTo(int count, int[] ids, int[] types, boolean[] starts, int offset) {
    System.arraycopy(tokenIds, 0, ids, offset, count);
    System.arraycopy(tokenTypeIds, 0, types, offset, count);
    if (starts != null) {
      System.arraycopy(wordStarts, 0, starts, offset, count);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenizedItem other
        && itemId.equals(other.itemId)
        && Arrays.equals(tokenIds, other.tokenIds)
        && Arrays.equals(tokenTypeIds, other.tokenTypeIds)
        && Arrays.equals(wordStarts, other.wordStarts);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * itemId.hashCode() + Arrays.hashCode(tokenIds))
        + Arrays.hashCode(tokenTypeIds);
  }

  @Override
  public String toString() {
    return "TokenizedItem["
        + itemId
        + ", tokenIds="
        + Arrays.toString(tokenIds)
        + ", tokenTypeIds="
        + Arrays.toString(tokenTypeIds)
        + "]";
  }
}
