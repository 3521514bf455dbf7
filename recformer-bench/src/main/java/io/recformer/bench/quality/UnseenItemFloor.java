package io.recformer.bench.quality;

import io.recformer.bench.baseline.SequenceScorer;
import java.util.List;
import java.util.Objects;
import java.util.function.IntPredicate;

/**
 * Gives every item that never occurs in training the lowest possible score (negative infinity) in
 * an ID-based model's rows: such a model has no information about the item (Popularity counts 0;
 * SASRec's embedding row only ever received the softmax's push-down gradient), so it cannot rank
 * it, and the table should show exactly that rather than whatever the untrained row happens to
 * score. All unseen items tie with each other, below every seen item; the tie policy then decides a
 * cold-start target's rank: under original ties (in the target's favour) it is the number of seen
 * items ranked, under expected ties that plus half the other unseen items.
 */
final class UnseenItemFloor implements SequenceScorer {

  private final SequenceScorer scorer;
  private final boolean[] seen;

  UnseenItemFloor(SequenceScorer scorer, IntPredicate inTraining) {
    this.scorer = Objects.requireNonNull(scorer, "scorer");
    seen = new boolean[scorer.itemCount()];
    for (int i = 0; i < seen.length; i++) {
      seen[i] = inTraining.test(i);
    }
  }

  @Override
  public String name() {
    return scorer.name();
  }

  @Override
  public int itemCount() {
    return scorer.itemCount();
  }

  @Override
  public float[][] score(List<int[]> histories) {
    float[][] scores = scorer.score(histories);
    for (float[] row : scores) {
      for (int i = 0; i < row.length; i++) {
        if (!seen[i]) {
          row[i] = Float.NEGATIVE_INFINITY;
        }
      }
    }
    return scores;
  }
}
