package io.recformer.data.split;

import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Seeded user subsampling. The kept users stay in their original order and the catalog is
 * unchanged, so the same seed always gives the same dataset.
 */
public final class UserSampling {

  private UserSampling() {}

  /**
   * Keeps each user independently with probability {@code 1/k}: the original Recformer's "one in
   * five" ({@code k = 5}), made reproducible by the seed.
   */
  public static Dataset oneIn(Dataset dataset, int k, long seed) {
    if (k < 1) {
      throw new IllegalArgumentException("sampling rate 1/k needs k >= 1, got " + k);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<UserHistory> kept = new ArrayList<>();
    for (UserHistory user : dataset.users()) {
      if (random.nextInt(k) == 0) {
        kept.add(user);
      }
    }
    return dataset.derive(dataset.items(), kept, "sampleUsers(oneIn=" + k + ", seed=" + seed + ")");
  }

  /**
   * Keeps exactly {@code count} users chosen uniformly without replacement (a seeded partial
   * shuffle).
   */
  public static Dataset exactly(Dataset dataset, int count, long seed) {
    int n = dataset.userCount();
    if (count < 0 || count > n) {
      throw new IllegalArgumentException(
          "user sample size must be in [0, " + n + "], got " + count);
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < count; i++) {
      int j = i + random.nextInt(n - i);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    boolean[] keep = new boolean[n];
    for (int i = 0; i < count; i++) {
      keep[order[i]] = true;
    }
    List<UserHistory> kept = new ArrayList<>(count);
    for (int i = 0; i < n; i++) {
      if (keep[i]) {
        kept.add(dataset.users().get(i));
      }
    }
    return dataset.derive(
        dataset.items(), kept, "sampleUsers(exactly=" + count + ", seed=" + seed + ")");
  }

  /** Keeps {@code round(fraction * users)} users, chosen as in {@link #exactly}. */
  public static Dataset fraction(Dataset dataset, double fraction, long seed) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "user fraction must be in [0, 1], got %s", fraction));
    }
    return exactly(dataset, (int) Math.round(fraction * dataset.userCount()), seed);
  }

  /**
   * A fixed seeded subsample of {@code size} examples in their original order, or the whole list
   * when {@code size} is 0 or not smaller than it (evaluation subsamples of users).
   */
  public static List<Example> examples(List<Example> examples, int size, long seed) {
    if (size < 0) {
      throw new IllegalArgumentException("size = " + size + " must be >= 0 (0 = all)");
    }
    if (size == 0 || size >= examples.size()) {
      return examples;
    }
    List<Integer> picked = new ArrayList<>(examples.size());
    for (int i = 0; i < examples.size(); i++) {
      picked.add(i);
    }
    Collections.shuffle(picked, new Random(seed));
    picked = new ArrayList<>(picked.subList(0, size));
    Collections.sort(picked);
    List<Example> out = new ArrayList<>(size);
    picked.forEach(i -> out.add(examples.get(i)));
    return List.copyOf(out);
  }
}
