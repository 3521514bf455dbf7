package io.recformer.data.sample;

import io.recformer.core.item.UserHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Pre-training pairs: for a sequence of n items the target position t is drawn uniformly from
 * {@code [max(1, (n-1)/2), n-1]} (integer division) and the history is the prefix before t, so the
 * model learns from late, long-context positions. The lower bound of 1 keeps the history non-empty
 * (it matters only for n = 2). Sequences shorter than 2 give no pair.
 *
 * <p>Deterministic: the same (seed, epoch, input) always gives the same pairs; different epochs
 * draw independently.
 */
public final class PretrainPairSampler {

  private final long seed;

  public PretrainPairSampler(long seed) {
    this.seed = seed;
  }

  /** The lowest target position drawn for a sequence of n >= 2 items. */
  public static int lowestTarget(int n) {
    return Math.max(1, (n - 1) / 2);
  }

  /** One pair per sequence with at least 2 items, in input order. */
  public List<TrainingSample> sample(List<UserHistory> sequences, int epoch) {
    SplittableRandom random = Seeds.forEpoch(seed, epoch);
    List<TrainingSample> pairs = new ArrayList<>(sequences.size());
    for (UserHistory sequence : sequences) {
      int n = sequence.size();
      if (n < 2) {
        continue;
      }
      int low = lowestTarget(n);
      int position = low + random.nextInt(n - low);
      pairs.add(TrainingSample.at(sequence, position));
    }
    return pairs;
  }
}
