package io.recformer.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.core.metrics.HistoryPenalty;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.MetricAccumulator;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.metrics.TiePolicy;
import io.recformer.data.split.Example;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Full-ranking evaluation (reference section 6): every user's history is encoded, scored against
 * every item of the item matrix by cosine, and the target's rank feeds a {@link MetricAccumulator}
 * under the given tie and history policies. Metrics are per-user means.
 *
 * <p>A {@link HistoryPenalty} (default 0, the paper) lowers each user's history items before
 * ranking; {@link #evaluateSweep} scores several penalties from one encoding pass.
 */
public final class RankingEvaluator {

  private final TiePolicy tiePolicy;
  private final HistoryPolicy historyPolicy;
  private final int userBatch;
  private final double historyPenalty;

  /**
   * An evaluator that ranks by cosine alone (history penalty 0, the paper).
   *
   * @param userBatch users scored at once; the score block is {@code userBatch x items} floats
   */
  public RankingEvaluator(TiePolicy tiePolicy, HistoryPolicy historyPolicy, int userBatch) {
    this(tiePolicy, historyPolicy, userBatch, 0);
  }

  /**
   * @param userBatch users scored at once; the score block is {@code userBatch x items} floats
   * @param historyPenalty cosine subtracted from each history item's score ({@link HistoryPenalty})
   */
  public RankingEvaluator(
      TiePolicy tiePolicy, HistoryPolicy historyPolicy, int userBatch, double historyPenalty) {
    if (userBatch < 1) {
      throw new IllegalArgumentException("userBatch = " + userBatch + " must be >= 1");
    }
    this.tiePolicy = tiePolicy;
    this.historyPolicy = historyPolicy;
    this.userBatch = userBatch;
    this.historyPenalty = HistoryPenalty.requireValid(historyPenalty);
  }

  /** Evaluates {@code examples} against {@code matrix} (L2-normalized, catalog order). */
  public MetricReport evaluate(Encoder encoder, List<Example> examples, NDArray matrix) {
    return evaluateSweep(encoder, examples, matrix, historyPenalty).get(0);
  }

  /**
   * Evaluates {@code examples} against {@code matrix} once per history penalty, encoding the
   * histories once: one report per penalty, in the given order. This evaluator's own penalty is not
   * used.
   */
  public List<MetricReport> evaluateSweep(
      Encoder encoder, List<Example> examples, NDArray matrix, double... historyPenalties) {
    if (historyPenalties.length == 0) {
      throw new IllegalArgumentException("at least one history penalty is required");
    }
    Arrays.stream(historyPenalties).forEach(HistoryPenalty::requireValid);
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("no examples to evaluate");
    }
    ItemCatalog catalog = encoder.cache().catalog();
    int items = catalog.size();
    if (matrix.getShape().get(0) != items) {
      throw new IllegalArgumentException(
          "item matrix has " + matrix.getShape().get(0) + " rows, the catalog " + items + " items");
    }
    List<MetricAccumulator> accumulators = new ArrayList<>();
    for (int i = 0; i < historyPenalties.length; i++) {
      accumulators.add(new MetricAccumulator(tiePolicy, historyPolicy));
    }
    try (NDManager scope = matrix.getManager().newSubManager()) {
      List<UserHistory> histories = new ArrayList<>(examples.size());
      examples.forEach(e -> histories.add(e.history()));
      NDArray users = encoder.histories(histories, scope);
      NDArray transposed = matrix.transpose();
      transposed.attach(scope);
      for (int from = 0; from < examples.size(); from += userBatch) {
        int to = Math.min(examples.size(), from + userBatch);
        try (NDManager block = scope.newSubManager()) {
          NDArray rows = users.get(from + ":" + to);
          rows.attach(block);
          float[] scores = rows.matMul(transposed).toFloatArray();
          int[] targets = new int[to - from];
          int[][] seen = new int[to - from][];
          for (int u = from; u < to; u++) {
            Example e = examples.get(u);
            targets[u - from] = catalog.requireIndex(e.targetItemId());
            seen[u - from] = indices(catalog, e.history());
          }
          for (int i = 0; i < historyPenalties.length; i++) {
            // The last penalty may lower the block in place: nothing reads it afterwards.
            boolean last = i == historyPenalties.length - 1;
            float[] penalized = historyPenalties[i] == 0 || last ? scores : scores.clone();
            HistoryPenalty.applyRows(penalized, items, seen, historyPenalties[i]);
            accumulators.get(i).addBatch(penalized, items, targets, seen);
          }
        }
      }
    }
    List<MetricReport> reports = new ArrayList<>();
    accumulators.forEach(a -> reports.add(a.report()));
    return reports;
  }

  /**
   * The popularity baseline under the same protocol: every user gets the same scores, the number of
   * occurrences of each item in {@code trainingSequences}.
   */
  public MetricReport popularity(
      ItemCatalog catalog, List<UserHistory> trainingSequences, List<Example> examples) {
    float[] counts = new float[catalog.size()];
    for (UserHistory h : trainingSequences) {
      for (String id : h.itemIds()) {
        counts[catalog.requireIndex(id)]++;
      }
    }
    MetricAccumulator accumulator = new MetricAccumulator(tiePolicy, historyPolicy);
    for (Example e : examples) {
      accumulator.add(
          counts, catalog.requireIndex(e.targetItemId()), indices(catalog, e.history()));
    }
    return accumulator.report();
  }

  static int[] indices(ItemCatalog catalog, UserHistory history) {
    int[] out = new int[history.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = catalog.requireIndex(history.itemIds().get(i));
    }
    return out;
  }
}
