package io.recformer.train.finetune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * Cuts one epoch's shuffled training samples into micro-batches.
 *
 * <p>A micro-batch is padded to its longest history, so a batch that mixes one-item and many-item
 * histories computes mostly padding. With length grouping, each run of {@code groupBatches}
 * micro-batches' worth of samples is sorted by length before it is cut, and the resulting
 * micro-batches are then shuffled so the optimizer does not see lengths in order. Every sample is
 * still used exactly once per epoch; only which samples share a batch changes. Without grouping the
 * samples are cut in the order given, the original's random batches.
 */
final class MicroBatches {

  private MicroBatches() {}

  /**
   * @param samples the epoch's samples, already shuffled
   * @param batchSize samples per micro-batch (the last one may be short)
   * @param groupBatches micro-batches sorted together by length; 0 keeps the given order
   * @param length a sample's token count
   * @param random shuffles the micro-batches when grouping
   */
  static <T> List<List<T>> plan(
      List<T> samples, int batchSize, int groupBatches, ToIntFunction<T> length, Random random) {
    if (batchSize < 1 || groupBatches < 0) {
      throw new IllegalArgumentException(
          "batchSize = "
              + batchSize
              + " must be >= 1 and"
              + " groupBatches = "
              + groupBatches
              + " >= 0");
    }
    List<List<T>> batches = new ArrayList<>((samples.size() + batchSize - 1) / batchSize);
    if (groupBatches == 0) {
      cut(samples, batchSize, batches);
      return batches;
    }
    int window = Math.multiplyExact(batchSize, groupBatches);
    for (int from = 0; from < samples.size(); from += window) {
      List<T> group =
          new ArrayList<>(samples.subList(from, Math.min(samples.size(), from + window)));
      // Stable, so equal lengths keep their shuffled order.
      group.sort(Comparator.comparingInt(length).reversed());
      cut(group, batchSize, batches);
    }
    Collections.shuffle(batches, random);
    return batches;
  }

  private static <T> void cut(List<T> samples, int batchSize, List<List<T>> into) {
    for (int from = 0; from < samples.size(); from += batchSize) {
      into.add(List.copyOf(samples.subList(from, Math.min(samples.size(), from + batchSize))));
    }
  }

  /**
   * Share of the positions a model computes that hold real tokens, when each micro-batch is padded
   * to its longest row rounded up to {@code lengthMultiple}: 1 means no padding.
   */
  static <T> double tokenShare(List<List<T>> batches, ToIntFunction<T> length, int lengthMultiple) {
    long tokens = 0;
    long positions = 0;
    for (List<T> batch : batches) {
      int longest = 0;
      for (T sample : batch) {
        int n = length.applyAsInt(sample);
        tokens += n;
        longest = Math.max(longest, n);
      }
      int padded = (longest + lengthMultiple - 1) / lengthMultiple * lengthMultiple;
      positions += (long) padded * batch.size();
    }
    return positions == 0 ? 1 : (double) tokens / positions;
  }
}
