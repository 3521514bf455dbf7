package io.recformer.bench.efficiency;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.data.dataset.Dataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Training-shaped histories built from a dataset's real items, for timing: either filled to the
 * config's max tokens (consecutive items of the dataset's sequences, the worst case a table by max
 * tokens needs: real Scientific histories are short, median 6 items) or real training samples (a
 * random user's random prefix of its training part, the original's one sample per user).
 */
public final class HistorySampler {

  /** Histories and their next items (catalog indices). */
  // Arrays for speed: equals and hashCode below compare the targets' contents.
  @SuppressWarnings("ArrayRecordComponent")
  public record Batch(List<EncodedSequence> sequences, int[] targets) {

    @Override
    public boolean equals(Object o) {
      return o instanceof Batch b
          && sequences.equals(b.sequences)
          && Arrays.equals(targets, b.targets);
    }

    @Override
    public int hashCode() {
      return 31 * sequences.hashCode() + Arrays.hashCode(targets);
    }

    @Override
    public String toString() {
      return "Batch[" + sequences.size() + " sequences, targets=" + Arrays.toString(targets) + "]";
    }
  }

  private final int[][] users;
  private final int[] flat;
  private final ItemTokenCache cache;
  private final boolean fill;
  private final SplittableRandom random;
  private final int maxItems;

  /**
   * @param cache tokens of the dataset's catalog; its tokenizer's config sets the max tokens
   * @param fill true: histories of {@code config.maxItems()} consecutive items cut to max tokens;
   *     false: real training samples padded by the collator to the longest in a batch
   */
  public HistorySampler(
      Dataset dataset,
      ItemTokenCache cache,
      RecformerConfig config,
      boolean fill,
      SplittableRandom random) {
    this.cache = Objects.requireNonNull(cache, "cache");
    this.fill = fill;
    this.random = Objects.requireNonNull(random, "random");
    this.maxItems = config.maxItems();
    ItemCatalog catalog = dataset.items();
    users = new int[dataset.userCount()][];
    int total = 0;
    for (int u = 0; u < users.length; u++) {
      UserHistory h = dataset.users().get(u);
      users[u] = h.itemIds().stream().mapToInt(catalog::requireIndex).toArray();
      total += users[u].length;
    }
    if (total < maxItems + 2) {
      throw new IllegalArgumentException(
          "dataset "
              + dataset.name()
              + " has "
              + total
              + " interactions, fewer than the "
              + (maxItems + 2)
              + " a filled history needs");
    }
    flat = new int[total];
    int at = 0;
    for (int[] u : users) {
      System.arraycopy(u, 0, flat, at, u.length);
      at += u.length;
    }
  }

  /** The next {@code size} histories. */
  public Batch next(int size) {
    List<EncodedSequence> sequences = new ArrayList<>(size);
    int[] targets = new int[size];
    for (int i = 0; i < size; i++) {
      if (fill) {
        // maxItems consecutive items (about 40 tokens each) overflow even 1024 tokens; the
        // encoder keeps the most recent ones that fit.
        int from = random.nextInt(flat.length - maxItems - 1);
        sequences.add(cache.encodeHistory(flat, from, from + maxItems));
        targets[i] = flat[from + maxItems];
      } else {
        int[] u = users[random.nextInt(users.length)];
        // training part = all but the last two items; target position uniform in [1, n - 3]
        int trainLength = Math.max(2, u.length - 2);
        int t = 1 + random.nextInt(trainLength - 1);
        sequences.add(cache.encodeHistory(u, 0, t));
        targets[i] = u[t];
      }
    }
    return new Batch(sequences, targets);
  }
}
