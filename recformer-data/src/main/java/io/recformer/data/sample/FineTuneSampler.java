package io.recformer.data.sample;

import io.recformer.core.item.UserHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Fine-tuning samples from training sequences (usually {@code LeaveOneOutSplit.train()}), under one
 * of the policies of reference section 5. Only {@link Policy#RANDOM_TARGET_ANY_POSITION} (the
 * original's) draws a target at position 0, whose history is empty (the model then sees only
 * [CLS]); the other policies keep targets at 1..n-1 and give no sample for a sequence of fewer than
 * 2 items.
 */
public final class FineTuneSampler {

  /** How training targets are chosen. */
  public enum Policy {
    /**
     * The original Recformer's: each epoch, one target position per user drawn uniformly from [0,
     * n-1]; history = prefix, empty for a target at position 0 (the original's collator then
     * encodes only the sequence-start token). Every non-empty sequence gives a sample, one of a
     * single item always its empty-history one.
     */
    RANDOM_TARGET_ANY_POSITION,
    /**
     * As {@link #RANDOM_TARGET_ANY_POSITION} with the target drawn from [1, n-1], so a history is
     * never empty; sequences of fewer than 2 items give no sample. This library's default until the
     * original's became it; the committed runs under config/ use it.
     */
    RANDOM_TARGET,
    /** RecBole-style: every prefix is a sample (n-1 per user), the same every epoch. */
    ALL_PREFIXES
  }

  private final Policy policy;
  private final long seed;

  public FineTuneSampler(Policy policy, long seed) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.seed = seed;
  }

  public Policy policy() {
    return policy;
  }

  /**
   * The samples of one epoch in input-user order (ALL_PREFIXES: each user's prefixes in increasing
   * length). Shuffling for batching is the trainer's business.
   */
  public List<TrainingSample> sample(List<UserHistory> sequences, int epoch) {
    SplittableRandom random = Seeds.forEpoch(seed, epoch);
    List<TrainingSample> samples = new ArrayList<>(sequences.size());
    for (UserHistory sequence : sequences) {
      int n = sequence.size();
      if (policy == Policy.RANDOM_TARGET_ANY_POSITION) {
        if (n > 0) {
          samples.add(TrainingSample.at(sequence, random.nextInt(n)));
        }
        continue;
      }
      if (n < 2) {
        continue;
      }
      if (policy == Policy.RANDOM_TARGET) {
        samples.add(TrainingSample.at(sequence, 1 + random.nextInt(n - 1)));
      } else {
        for (int position = 1; position < n; position++) {
          samples.add(TrainingSample.at(sequence, position));
        }
      }
    }
    return samples;
  }
}
