package io.recformer.core.metrics;

import java.util.Arrays;
import java.util.Locale;

/**
 * Lowers the scores of the items a user already has by a fixed amount: a repeat penalty, part of
 * how a model scores, not of the evaluation protocol (not in the Recformer paper).
 *
 * <p>Why: a text encoder's history vector sits close to the vectors of the items it was built from,
 * so those items crowd the top of the ranking although the next item is rarely one of them (0.6% of
 * Scientific's test targets are). An ID model such as SASRec learns that from the data; a Recformer
 * can be given it as one number. Unlike {@link HistoryPolicy#EXCLUDE}, which removes history items
 * from the ranking and never the target, the penalty applies to every history item whether or not
 * it is the target: the model does not know the target, so a repeat purchase pays the penalty too,
 * and history items still compete (the {@link HistoryPolicy#KEEP} protocol).
 *
 * <p>Units are those of the scores (cosine for Recformer): at temperature 0.05 a penalty of 0.1
 * lowers a logit by 2.
 */
public final class HistoryPenalty {

  private HistoryPenalty() {}

  /**
   * Subtracts {@code penalty} once from the score of every distinct item of {@code history} (an
   * item bought twice is lowered once) in the row {@code scores[offset .. offset + items)}.
   *
   * @param history catalog indices, duplicates allowed; null or empty for none
   * @throws IllegalArgumentException if the penalty is negative or not finite, or a history index
   *     is outside the row
   */
  public static void apply(float[] scores, int offset, int items, int[] history, double penalty) {
    requireValid(penalty);
    if (penalty == 0 || history == null || history.length == 0) {
      return;
    }
    int[] distinct = Arrays.stream(history).distinct().toArray();
    for (int item : distinct) {
      if (item < 0 || item >= items) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT, "history item %d is outside the catalog [0, %d)", item, items));
      }
      scores[offset + item] -= (float) penalty;
    }
  }

  /**
   * Row-major {@code [users, items]} version of {@link #apply}: row u is lowered at {@code
   * histories[u]}.
   */
  public static void applyRows(float[] scores, int items, int[][] histories, double penalty) {
    if (histories == null) {
      return;
    }
    for (int u = 0; u < histories.length; u++) {
      apply(scores, u * items, items, histories[u], penalty);
    }
  }

  /**
   * Returns {@code penalty} after checking that it can be used.
   *
   * @throws IllegalArgumentException unless {@code penalty} is finite and >= 0
   */
  public static double requireValid(double penalty) {
    if (!(penalty >= 0) || Double.isInfinite(penalty)) {
      throw new IllegalArgumentException(
          "historyPenalty = " + penalty + " must be a finite number >= 0 (0 = none, the paper)");
    }
    return penalty;
  }
}
