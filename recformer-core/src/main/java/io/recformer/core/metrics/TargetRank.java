package io.recformer.core.metrics;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where one user's target lands in a full ranking of the catalog, kept as counts so that every
 * {@link TiePolicy} can be applied afterwards: {@code greater} items score strictly higher than the
 * target, {@code tied} other items score exactly the same, and {@code candidates} items (the target
 * included) took part in the ranking.
 *
 * <p>Counting is one pass over the scores with no sorting, O(items + history log history). Metrics
 * follow reference section 6: Recall@K = 1 if rank &lt; K; NDCG@K = 1 / log2(rank + 2) if rank &lt;
 * K, else 0 (one relevant item, so the ideal DCG is 1); MRR = 1 / (rank + 1) over the full list,
 * not cut at K. Ranks are 0-based.
 *
 * @param greater ranked items scoring strictly higher than the target
 * @param tied ranked items other than the target scoring exactly the target's score
 * @param candidates ranked items including the target (catalog size minus excluded items)
 */
public record TargetRank(int greater, int tied, int candidates) {

  /** Up to this many tied ranks the expected MRR is summed term by term (exact). */
  private static final int DIRECT_SUM_LIMIT = 4096;

  private static final double EULER_GAMMA = 0.5772156649015329;

  public TargetRank {
    if (greater < 0 || tied < 0 || candidates < 1 || (long) greater + tied + 1 > candidates) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "rank counts greater = %d, tied = %d, candidates = %d are inconsistent: need greater"
                  + " >= 0, tied >= 0 and greater + tied + 1 <= candidates",
              greater,
              tied,
              candidates));
    }
  }

  /**
   * Counts the target's position among all items.
   *
   * @param scores the score of every catalog item, indexed by dense catalog index
   * @param target catalog index of the target item
   * @param excluded catalog indices removed from the ranking (e.g. the user's history); duplicates
   *     are allowed, and the target is never excluded even if listed here
   * @throws IllegalArgumentException if an index is out of range or any score is NaN
   */
  public static TargetRank of(float[] scores, int target, int... excluded) {
    return count(scores, 0, scores.length, target, excluded);
  }

  /** As {@link #of(float[], int, int...)} for double scores. */
  public static TargetRank of(double[] scores, int target, int... excluded) {
    return count(scores, 0, scores.length, target, excluded);
  }

  /** Counts over {@code scores[offset .. offset + items)}, one row of a row-major matrix. */
  static TargetRank count(float[] scores, int offset, int items, int target, int[] excluded) {
    checkTarget(target, items);
    float t = scores[offset + target];
    int greater = 0;
    int equal = 0;
    boolean sawNan = false;
    // Branch-free counting: with real scores "s > t" is a coin flip the CPU cannot predict.
    for (int i = offset, end = offset + items; i < end; i++) {
      float s = scores[i];
      greater += s > t ? 1 : 0;
      equal += s == t ? 1 : 0;
      sawNan |= Float.isNaN(s);
    }
    if (sawNan) {
      throw nan(firstNan(scores, offset, items), offset, items);
    }
    int[] drop = distinctExcluded(excluded, target, items);
    int excludedGreater = 0;
    int excludedEqual = 0;
    for (int j : drop) {
      float s = scores[offset + j];
      if (s > t) {
        excludedGreater++;
      } else if (s == t) {
        excludedEqual++;
      }
    }
    // equal counts the target itself, hence the - 1.
    return new TargetRank(
        greater - excludedGreater, equal - 1 - excludedEqual, items - drop.length);
  }

  static TargetRank count(double[] scores, int offset, int items, int target, int[] excluded) {
    checkTarget(target, items);
    double t = scores[offset + target];
    int greater = 0;
    int equal = 0;
    boolean sawNan = false;
    // Branch-free counting: with real scores "s > t" is a coin flip the CPU cannot predict.
    for (int i = offset, end = offset + items; i < end; i++) {
      double s = scores[i];
      greater += s > t ? 1 : 0;
      equal += s == t ? 1 : 0;
      sawNan |= Double.isNaN(s);
    }
    if (sawNan) {
      throw nan(firstNan(scores, offset, items), offset, items);
    }
    int[] drop = distinctExcluded(excluded, target, items);
    int excludedGreater = 0;
    int excludedEqual = 0;
    for (int j : drop) {
      double s = scores[offset + j];
      if (s > t) {
        excludedGreater++;
      } else if (s == t) {
        excludedEqual++;
      }
    }
    return new TargetRank(
        greater - excludedGreater, equal - 1 - excludedEqual, items - drop.length);
  }

  private static int firstNan(float[] scores, int offset, int items) {
    for (int i = 0; i < items; i++) {
      if (Float.isNaN(scores[offset + i])) {
        return i;
      }
    }
    throw new IllegalStateException("no NaN found on the second pass");
  }

  private static int firstNan(double[] scores, int offset, int items) {
    for (int i = 0; i < items; i++) {
      if (Double.isNaN(scores[offset + i])) {
        return i;
      }
    }
    throw new IllegalStateException("no NaN found on the second pass");
  }

  private static void checkTarget(int target, int items) {
    if (items < 1) {
      throw new IllegalArgumentException("cannot rank an empty catalog (0 scores)");
    }
    if (target < 0 || target >= items) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT, "target index %d is out of range: must be in [0, %d)", target, items));
    }
  }

  private static IllegalArgumentException nan(int index, int offset, int items) {
    String row = offset == 0 ? "" : String.format(Locale.ROOT, " (row %d)", offset / items);
    return new IllegalArgumentException(
        String.format(
            Locale.ROOT,
            "score of item %d is NaN%s: scores must be numbers to be ranked",
            index,
            row));
  }

  /** Sorted distinct valid indices of {@code excluded}, without the target. */
  private static int[] distinctExcluded(int[] excluded, int target, int items) {
    if (excluded == null || excluded.length == 0) {
      return excluded == null ? new int[0] : excluded;
    }
    int[] sorted = excluded.clone();
    Arrays.sort(sorted);
    if (sorted[0] < 0 || sorted[sorted.length - 1] >= items) {
      int bad = sorted[0] < 0 ? sorted[0] : sorted[sorted.length - 1];
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "excluded item index %d is out of range: must be in [0, %d)",
              bad,
              items));
    }
    int n = 0;
    for (int i = 0; i < sorted.length; i++) {
      int v = sorted[i];
      if (v != target && (n == 0 || sorted[n - 1] != v)) {
        sorted[n++] = v;
      }
    }
    return Arrays.copyOf(sorted, n);
  }

  /**
   * The target's 0-based rank under a policy; for {@link TiePolicy#EXPECTED} the mean rank {@code
   * greater + tied / 2}.
   */
  public double rank(TiePolicy policy) {
    return switch (policy) {
      case ORIGINAL -> greater;
      case PESSIMISTIC -> (double) greater + tied;
      case EXPECTED -> greater + tied / 2.0;
    };
  }

  /** Recall@K (hit rate): 1 if the rank is below {@code k}; the expected hit under EXPECTED. */
  public double recall(int k, TiePolicy policy) {
    checkCutoff(k);
    return switch (policy) {
      case ORIGINAL -> greater < k ? 1 : 0;
      case PESSIMISTIC -> (long) greater + tied < k ? 1 : 0;
      case EXPECTED -> {
        long last = Math.min((long) greater + tied, k - 1L);
        yield last < greater ? 0 : (double) (last - greater + 1) / (tied + 1.0);
      }
    };
  }

  /** NDCG@K: 1 / log2(rank + 2) if the rank is below {@code k}, else 0. */
  public double ndcg(int k, TiePolicy policy) {
    checkCutoff(k);
    return switch (policy) {
      case ORIGINAL -> greater < k ? discount(greater) : 0;
      case PESSIMISTIC -> (long) greater + tied < k ? discount((long) greater + tied) : 0;
      case EXPECTED -> {
        // Only ranks below k contribute, so this sum has at most k terms whatever the tie count.
        long last = Math.min((long) greater + tied, k - 1L);
        double sum = 0;
        for (long r = greater; r <= last; r++) {
          sum += discount(r);
        }
        yield sum / (tied + 1.0);
      }
    };
  }

  /** MRR term: 1 / (rank + 1) over the full ranking (not cut at any K). */
  public double mrr(TiePolicy policy) {
    return switch (policy) {
      case ORIGINAL -> 1.0 / (greater + 1.0);
      case PESSIMISTIC -> 1.0 / ((double) greater + tied + 1.0);
      case EXPECTED -> {
        if (tied <= DIRECT_SUM_LIMIT) {
          double sum = 0;
          for (long r = greater; r <= (long) greater + tied; r++) {
            sum += 1.0 / (r + 1.0);
          }
          yield sum / (tied + 1.0);
        }
        // Mean of 1/(r+1) over r = g .. g+t is (H(g+t+1) - H(g)) / (t+1); with millions of tied
        // items (constant scores) the harmonic numbers come from their asymptotic expansion.
        yield (harmonic((long) greater + tied + 1) - harmonic(greater)) / (tied + 1.0);
      }
    };
  }

  static double discount(long rank) {
    return 1.0 / (Math.log(rank + 2.0) / Math.log(2.0));
  }

  /** H(n) = 1 + 1/2 + ... + 1/n; exact sum for small n, asymptotic series (error < 1e-17) above. */
  static double harmonic(long n) {
    if (n < 64) {
      double sum = 0;
      for (long i = n; i >= 1; i--) {
        sum += 1.0 / i;
      }
      return sum;
    }
    double x = n;
    double inv2 = 1.0 / (x * x);
    return Math.log(x)
        + EULER_GAMMA
        + 1.0 / (2 * x)
        - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 / 252));
  }

  private static void checkCutoff(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("cutoff K = " + k + " must be >= 1");
    }
  }
}
