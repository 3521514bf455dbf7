package io.recformer.data.sample;

import io.recformer.core.item.UserHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Fine-tuning samples from training sequences (usually {@code LeaveOneOutSplit.train()}), under one
 * of the two policies of reference section 5. Targets are at positions 1..n-1 so every history is
 * non-empty; a sequence with fewer than 2 items gives no sample.
 */
public final class FineTuneSampler {

  /** How training targets are chosen. */
  public enum Policy {
    /**
     * The original Recformer: each epoch, one target position per user drawn uniformly from [1,
     * n-1]; history = prefix. Cheap epochs, different samples every epoch.
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
