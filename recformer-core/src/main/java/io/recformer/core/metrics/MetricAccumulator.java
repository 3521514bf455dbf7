package io.recformer.core.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Averages Recall@K, NDCG@K (for a set of cutoffs, 10 and 50 by default) and MRR over users.
 *
 * <p>Every user weighs the same: the reported value is the mean over users. The original Recformer
 * averages per-batch means instead, which weighs users of a short last batch more and depends on
 * the batch size; numbers from this class are per-user means (reference section 6).
 *
 * <p>Thread-safe: evaluation threads may call {@code add} concurrently (the ranking work happens
 * outside the lock), or keep one accumulator each and {@link #merge} them at the end. The order of
 * additions changes the result only by floating-point rounding.
 */
public final class MetricAccumulator {

  private static final int[] DEFAULT_CUTOFFS = {10, 50};

  private final TiePolicy tiePolicy;
  private final HistoryPolicy historyPolicy;
  private final int[] cutoffs;
  private final List<String> names;

  /** One per metric in report order: NDCG@k, Recall@k for each cutoff k ascending, then MRR. */
  private final RunningStats[] stats;

  /** An accumulator for cutoffs 10 and 50. */
  public MetricAccumulator(TiePolicy tiePolicy, HistoryPolicy historyPolicy) {
    this(tiePolicy, historyPolicy, DEFAULT_CUTOFFS);
  }

  /**
   * An accumulator for the given cutoffs (sorted and deduplicated).
   *
   * @throws IllegalArgumentException if no cutoff is given or one is below 1
   */
  public MetricAccumulator(TiePolicy tiePolicy, HistoryPolicy historyPolicy, int... cutoffs) {
    if (tiePolicy == null || historyPolicy == null) {
      throw new IllegalArgumentException("tie policy and history policy are required");
    }
    if (cutoffs == null || cutoffs.length == 0) {
      throw new IllegalArgumentException("at least one cutoff K is required (e.g. 10, 50)");
    }
    int[] sorted = Arrays.stream(cutoffs).sorted().distinct().toArray();
    if (sorted[0] < 1) {
      throw new IllegalArgumentException("cutoff K = " + sorted[0] + " must be >= 1");
    }
    this.tiePolicy = tiePolicy;
    this.historyPolicy = historyPolicy;
    this.cutoffs = sorted;
    List<String> n = new ArrayList<>();
    for (int k : sorted) {
      n.add("NDCG@" + k);
      n.add("Recall@" + k);
    }
    n.add("MRR");
    this.names = List.copyOf(n);
    this.stats = new RunningStats[names.size()];
    for (int i = 0; i < stats.length; i++) {
      stats[i] = new RunningStats();
    }
  }

  public TiePolicy tiePolicy() {
    return tiePolicy;
  }

  public HistoryPolicy historyPolicy() {
    return historyPolicy;
  }

  /** Metric names in report order, e.g. NDCG@10, Recall@10, NDCG@50, Recall@50, MRR. */
  public List<String> metricNames() {
    return names;
  }

  /**
   * Adds one user from the scores of every catalog item.
   *
   * @param history the user's input history (catalog indices, duplicates allowed, may be null);
   *     removed from the ranking only under {@link HistoryPolicy#EXCLUDE}, and never the target
   */
  public void add(float[] scores, int target, int[] history) {
    add(TargetRank.count(scores, 0, scores.length, target, excludedFor(history)));
  }

  /** As {@link #add(float[], int, int[])} for double scores. */
  public void add(double[] scores, int target, int[] history) {
    add(TargetRank.count(scores, 0, scores.length, target, excludedFor(history)));
  }

  /**
   * Adds a user whose rank counts were computed by the caller, who must have applied this
   * accumulator's history policy.
   */
  public void add(TargetRank rank) {
    double[] values = values(rank);
    synchronized (this) {
      for (int i = 0; i < values.length; i++) {
        stats[i].add(values[i]);
      }
    }
  }

  /**
   * Adds a batch of users from a row-major {@code [users, items]} score matrix: one counting pass
   * per row, no sorting.
   *
   * @param scores row-major scores, length {@code targets.length * items}
   * @param items catalog size (row length)
   * @param targets each user's target index
   * @param histories each user's history (may be null, as may each row)
   */
  public void addBatch(float[] scores, int items, int[] targets, int[][] histories) {
    int users = targets.length;
    if (items < 1 || (long) users * items != scores.length) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "score matrix has %d entries, expected users x items = %d x %d",
              scores.length,
              users,
              items));
    }
    if (histories != null && histories.length != users) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%d histories given for %d users", histories.length, users));
    }
    double[][] rows = new double[users][];
    for (int u = 0; u < users; u++) {
      int[] history = histories == null ? null : histories[u];
      rows[u] =
          values(TargetRank.count(scores, u * items, items, targets[u], excludedFor(history)));
    }
    synchronized (this) {
      for (double[] values : rows) {
        for (int i = 0; i < values.length; i++) {
          stats[i].add(values[i]);
        }
      }
    }
  }

  /**
   * Adds everything {@code other} has accumulated (its users are counted once more; {@code other}
   * is unchanged).
   *
   * @throws IllegalArgumentException if the policies or cutoffs differ
   */
  public void merge(MetricAccumulator other) {
    if (other.tiePolicy != tiePolicy
        || other.historyPolicy != historyPolicy
        || !Arrays.equals(other.cutoffs, cutoffs)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "cannot merge accumulators with different settings: %s/%s/%s vs %s/%s/%s",
              tiePolicy,
              historyPolicy,
              Arrays.toString(cutoffs),
              other.tiePolicy,
              other.historyPolicy,
              Arrays.toString(other.cutoffs)));
    }
    if (other == this) {
      throw new IllegalArgumentException("cannot merge an accumulator into itself");
    }
    RunningStats[] copies = other.snapshot();
    synchronized (this) {
      for (int i = 0; i < stats.length; i++) {
        stats[i].merge(copies[i]);
      }
    }
  }

  /** Number of users added so far. */
  public synchronized long count() {
    return stats[0].count();
  }

  /**
   * The per-user means and their standard errors so far.
   *
   * @throws IllegalStateException if no user was added
   */
  public MetricReport report() {
    RunningStats[] s = snapshot();
    if (s[0].count() == 0) {
      throw new IllegalStateException(
          "no user was evaluated: add users before asking for a report");
    }
    Map<String, Double> means = new LinkedHashMap<>();
    Map<String, Double> errors = new LinkedHashMap<>();
    for (int i = 0; i < s.length; i++) {
      means.put(names.get(i), s[i].mean());
      errors.put(names.get(i), s[i].standardError());
    }
    return new MetricReport(means, errors, s[0].count(), tiePolicy, historyPolicy);
  }

  private synchronized RunningStats[] snapshot() {
    RunningStats[] copies = new RunningStats[stats.length];
    for (int i = 0; i < stats.length; i++) {
      copies[i] = stats[i].copy();
    }
    return copies;
  }

  private int[] excludedFor(int[] history) {
    return historyPolicy == HistoryPolicy.EXCLUDE ? history : null;
  }

  private double[] values(TargetRank rank) {
    double[] v = new double[stats.length];
    int i = 0;
    for (int k : cutoffs) {
      v[i++] = rank.ndcg(k, tiePolicy);
      v[i++] = rank.recall(k, tiePolicy);
    }
    v[i] = rank.mrr(tiePolicy);
    return v;
  }
}
