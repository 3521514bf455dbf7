package io.recformer.core.text;

import io.recformer.core.config.RecformerConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Assembles Recformer input sequences from already tokenized items (reference section 2, steps 2-4
 * and 6). Pure array work, no tokenizer and no native code, so it is cheap enough to run for every
 * training sample and safe to share between threads.
 *
 * <p>A history {@code items[0..n)} (oldest first) becomes {@code [CLS], T_n, T_{n-1}, ...}: the
 * {@code maxItems} most recent items, newest first; [CLS] has token type 0 and item position 0,
 * every token of the k-th most recent item has item position k. The sequence is then cut to {@code
 * maxTokens}, keeping the first tokens, so the oldest items lose tokens first, possibly in the
 * middle of an item. Token positions count from the config's position offset.
 */
public final class SequenceEncoder {

  private final int clsId;
  private final int maxItems;
  private final int maxTokens;
  private final int positionOffset;

  /**
   * @param config supplies maxItems, maxTokens and positionOffset
   * @param clsId vocabulary id of the sequence-start token ([CLS] or {@code <s>})
   */
  public SequenceEncoder(RecformerConfig config, int clsId) {
    Objects.requireNonNull(config, "config");
    if (clsId < 0 || clsId >= config.vocabSize()) {
      throw new IllegalArgumentException(
          "clsId = "
              + clsId
              + " is out of range: must be in [0, "
              + config.vocabSize()
              + ") (config vocabSize)");
    }
    this.clsId = clsId;
    this.maxItems = config.maxItems();
    this.maxTokens = config.maxTokens();
    this.positionOffset = config.positionOffset();
  }

  /**
   * Encodes a history given oldest first.
   *
   * @throws IllegalArgumentException if the history is empty
   */
  public EncodedSequence encodeHistory(List<TokenizedItem> itemsOldestFirst) {
    return assemble(itemsOldestFirst, null, "history");
  }

  /** As {@link #encodeHistory(List)}, naming the user in the error for an empty history. */
  public EncodedSequence encodeHistory(String userId, List<TokenizedItem> itemsOldestFirst) {
    return assemble(itemsOldestFirst, null, "history of user '" + userId + "'");
  }

  /**
   * Which tokens of {@link #encodeHistory(List)}'s result begin a word, position by position: [CLS]
   * does, then each item's {@link TokenizedItem#wordStarts()}. Whole-word masking picks words by
   * these flags.
   */
  public boolean[] wordStarts(List<TokenizedItem> itemsOldestFirst) {
    boolean[][] out = new boolean[1][];
    assemble(itemsOldestFirst, out, "history");
    return out[0];
  }

  /** An item's own input: [CLS] followed by the item's tokens at item position 1. */
  public EncodedSequence encodeItem(TokenizedItem item) {
    return assemble(List.of(item), null, "item");
  }

  private EncodedSequence assemble(
      List<TokenizedItem> items, boolean[][] wordStartsOut, String what) {
    Objects.requireNonNull(items, what);
    int n = items.size();
    if (n == 0) {
      throw new IllegalArgumentException(
          "cannot encode an empty " + what + ": a sequence needs at least one item");
    }
    int kept = Math.min(n, maxItems);
    long wanted = 1;
    for (int k = 1; k <= kept && wanted < maxTokens; k++) {
      wanted += items.get(n - k).length();
    }
    int length = (int) Math.min(wanted, maxTokens);
    int[] ids = new int[length];
    int[] types = new int[length];
    int[] tokenPositions = new int[length];
    int[] itemPositions = new int[length];
    boolean[] starts = wordStartsOut == null ? null : new boolean[length];
    ids[0] = clsId;
    types[0] = RecformerConfig.TYPE_CLS;
    itemPositions[0] = 0;
    if (starts != null) {
      starts[0] = true;
    }
    int cursor = 1;
    for (int k = 1; k <= kept && cursor < length; k++) {
      TokenizedItem item = items.get(n - k);
      int count = Math.min(item.length(), length - cursor);
      item.copyTo(count, ids, types, starts, cursor);
      Arrays.fill(itemPositions, cursor, cursor + count, k);
      cursor += count;
    }
    for (int i = 0; i < length; i++) {
      tokenPositions[i] = positionOffset + i;
    }
    if (wordStartsOut != null) {
      wordStartsOut[0] = starts;
    }
    return EncodedSequence.wrap(ids, types, tokenPositions, itemPositions);
  }
}
