package io.recformer.core.text;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each catalog item's tokens, computed once and reused by every history that contains the item.
 * Training encodes tens of thousands of histories per epoch over a few thousand items; tokenizing
 * per history would redo the same native work hundreds of times.
 *
 * <p>Items are tokenized on first use, or all at once in native batches with {@link
 * #tokenizeAll()}. Thread-safe: two threads asking for the same uncached item may both tokenize it,
 * with the same result. Memory is about 9 bytes per token (some 60 tokens per item with the paper's
 * settings).
 */
public final class ItemTokenCache {

  private static final Logger LOG = LoggerFactory.getLogger(ItemTokenCache.class);
  private static final int BATCH = 2048;

  private final RecformerTokenizer tokenizer;
  private final ItemCatalog catalog;
  private final SequenceEncoder encoder;
  private final AtomicReferenceArray<TokenizedItem> tokens;

  /** An empty cache over the catalog; the tokenizer must stay open while the cache is used. */
  public ItemTokenCache(RecformerTokenizer tokenizer, ItemCatalog catalog) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    this.encoder = tokenizer.sequenceEncoder();
    this.tokens = new AtomicReferenceArray<>(catalog.size());
  }

  public ItemCatalog catalog() {
    return catalog;
  }

  /**
   * Tokenizes every not yet cached item in native batches, logging progress; returns this cache.
   */
  public ItemTokenCache tokenizeAll() {
    long start = System.nanoTime();
    int done = 0;
    List<Integer> pending = new ArrayList<>(BATCH);
    for (int i = 0; i < catalog.size(); i++) {
      if (tokens.get(i) == null) {
        pending.add(i);
      }
      if (pending.size() == BATCH || (i == catalog.size() - 1 && !pending.isEmpty())) {
        List<Item> items = new ArrayList<>(pending.size());
        for (int index : pending) {
          items.add(catalog.get(index));
        }
        List<TokenizedItem> tokenized = tokenizer.tokenizeItems(items);
        for (int k = 0; k < pending.size(); k++) {
          tokens.compareAndSet(pending.get(k), null, tokenized.get(k));
        }
        done += pending.size();
        pending.clear();
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info(
            String.format(
                Locale.ROOT,
                "tokenized %d/%d items (%.0f items/s)",
                done,
                catalog.size(),
                done / Math.max(seconds, 1e-9)));
      }
    }
    return this;
  }

  /** The tokens of the item at this catalog index. */
  public TokenizedItem get(int index) {
    TokenizedItem item = tokens.get(Objects.checkIndex(index, catalog.size()));
    if (item == null) {
      item = tokenizer.tokenizeItem(catalog.get(index));
      tokens.compareAndSet(index, null, item);
    }
    return item;
  }

  /** The tokens of the item with this id; fails naming the id when the catalog lacks it. */
  public TokenizedItem get(String itemId) {
    return get(catalog.requireIndex(itemId));
  }

  /** An item's own input ([CLS] + its tokens). */
  public EncodedSequence encodeItem(int index) {
    return encoder.encodeItem(get(index));
  }

  /** The user's whole history as one sequence; fails naming the user when it is empty. */
  public EncodedSequence encodeHistory(UserHistory history) {
    return encoder.encodeHistory(history.userId(), recentItems(history.itemIds()));
  }

  /** A history given as item ids, oldest first. */
  public EncodedSequence encodeHistory(List<String> itemIdsOldestFirst) {
    return encoder.encodeHistory(recentItems(itemIdsOldestFirst));
  }

  /** A history given as catalog indices {@code [from, to)} of an array, oldest first. */
  public EncodedSequence encodeHistory(int[] indicesOldestFirst, int from, int to) {
    return encoder.encodeHistory(recentItems(indicesOldestFirst, from, to));
  }

  private List<TokenizedItem> recentItems(int[] indices, int from, int to) {
    Objects.checkFromToIndex(from, to, indices.length);
    int start = Math.max(from, to - tokenizer.config().maxItems());
    List<TokenizedItem> items = new ArrayList<>(to - start);
    for (int i = start; i < to; i++) {
      items.add(get(indices[i]));
    }
    return items;
  }

  /** Word-start flags aligned with {@link #encodeHistory(int[], int, int)} of the same indices. */
  public boolean[] wordStarts(int[] indicesOldestFirst, int from, int to) {
    return encoder.wordStarts(recentItems(indicesOldestFirst, from, to));
  }

  /**
   * Word-start flags aligned with {@link #encodeHistory(List)} of the same ids, for whole-word
   * masking.
   */
  public boolean[] wordStarts(List<String> itemIdsOldestFirst) {
    return encoder.wordStarts(recentItems(itemIdsOldestFirst));
  }

  /** Only the items that can appear in a sequence are looked up (and tokenized if needed). */
  private List<TokenizedItem> recentItems(List<String> ids) {
    int n = ids.size();
    int start = Math.max(0, n - tokenizer.config().maxItems());
    List<TokenizedItem> items = new ArrayList<>(n - start);
    for (int i = start; i < n; i++) {
      items.add(get(ids.get(i)));
    }
    return items;
  }
}
