package io.recformer.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TargetRankTest {

  private static final double EPS = 1e-12;

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  // Scores: item 0: 0.9, 1: 0.5 (target), 2: 0.7, 3: 0.5, 4: 0.5, 5: 0.1.
  // Strictly greater than 0.5: items 0 and 2 -> g = 2. Tied others: items 3, 4 -> t = 2.
  private static final float[] SCORES = {0.9f, 0.5f, 0.7f, 0.5f, 0.5f, 0.1f};

  @Test
  void countsGreaterAndTied() {
    TargetRank r = TargetRank.of(SCORES, 1);
    assertThat(r).isEqualTo(new TargetRank(2, 2, 6));
    assertThat(TargetRank.of(toDouble(SCORES), 1)).isEqualTo(r);
  }

  @Test
  void originalPolicyRanksTiesInTheTargetsFavour() {
    TargetRank r = TargetRank.of(SCORES, 1);
    // rank = g = 2: NDCG@10 = 1/log2(4) = 0.5, Recall@10 = 1, MRR = 1/3.
    assertThat(r.rank(TiePolicy.ORIGINAL)).isEqualTo(2.0);
    assertThat(r.ndcg(10, TiePolicy.ORIGINAL)).isCloseTo(0.5, within(EPS));
    assertThat(r.recall(10, TiePolicy.ORIGINAL)).isEqualTo(1.0);
    assertThat(r.mrr(TiePolicy.ORIGINAL)).isCloseTo(1.0 / 3, within(EPS));
    // K = 2: rank 2 is not < 2.
    assertThat(r.recall(2, TiePolicy.ORIGINAL)).isEqualTo(0.0);
    assertThat(r.ndcg(2, TiePolicy.ORIGINAL)).isEqualTo(0.0);
    assertThat(r.recall(3, TiePolicy.ORIGINAL)).isEqualTo(1.0);
  }

  @Test
  void pessimisticPolicyRanksTiesAgainstTheTarget() {
    TargetRank r = TargetRank.of(SCORES, 1);
    // rank = g + t = 4: NDCG@10 = 1/log2(6) = 0.386852807..., MRR = 1/5.
    assertThat(r.rank(TiePolicy.PESSIMISTIC)).isEqualTo(4.0);
    assertThat(r.ndcg(10, TiePolicy.PESSIMISTIC)).isCloseTo(0.38685280723454163, within(EPS));
    assertThat(r.mrr(TiePolicy.PESSIMISTIC)).isCloseTo(0.2, within(EPS));
    assertThat(r.recall(4, TiePolicy.PESSIMISTIC)).isEqualTo(0.0);
    assertThat(r.recall(5, TiePolicy.PESSIMISTIC)).isEqualTo(1.0);
  }

  @Test
  void expectedPolicyAveragesTheMetricOverTiedRanks() {
    TargetRank r = TargetRank.of(SCORES, 1);
    // Ranks 2, 3, 4 each with probability 1/3.
    // NDCG@10 = (1/log2 4 + 1/log2 5 + 1/log2 6) / 3 = (0.5 + 0.4306765581 + 0.3868528072) / 3
    //         = 0.4391764551
    assertThat(r.ndcg(10, TiePolicy.EXPECTED)).isCloseTo(0.43917645511, within(1e-10));
    assertThat(r.ndcg(10, TiePolicy.EXPECTED))
        .isCloseTo((1 / log2(4) + 1 / log2(5) + 1 / log2(6)) / 3, within(EPS));
    // MRR = (1/3 + 1/4 + 1/5) / 3 = (47/60) / 3 = 47/180 = 0.26111...
    assertThat(r.mrr(TiePolicy.EXPECTED)).isCloseTo(47.0 / 180, within(EPS));
    // Not the MRR of the expected rank 3 (1/4): MRR is convex in the rank.
    assertThat(r.mrr(TiePolicy.EXPECTED)).isGreaterThan(0.25 + 0.01);
    assertThat(r.rank(TiePolicy.EXPECTED)).isEqualTo(3.0);
    // Recall@3: only rank 2 is < 3 -> 1/3. Recall@4: ranks 2, 3 -> 2/3. Recall@2: none -> 0.
    assertThat(r.recall(3, TiePolicy.EXPECTED)).isCloseTo(1.0 / 3, within(EPS));
    assertThat(r.recall(4, TiePolicy.EXPECTED)).isCloseTo(2.0 / 3, within(EPS));
    assertThat(r.recall(2, TiePolicy.EXPECTED)).isEqualTo(0.0);
    // NDCG@4 = (1/log2 4 + 1/log2 5) / 3 = (0.5 + 0.4306765581) / 3
    assertThat(r.ndcg(4, TiePolicy.EXPECTED)).isCloseTo((0.5 + 1 / log2(5)) / 3, within(EPS));
  }

  @Test
  void exclusionRemovesHistoryButNeverTheTarget() {
    // Exclude items 0 (greater), 3 (tied), 3 again (duplicate) and 1 (the target itself).
    TargetRank r = TargetRank.of(SCORES, 1, 0, 3, 3, 1);
    // Left: greater {2} -> g = 1; tied {4} -> t = 1; candidates 6 - 2 = 4.
    assertThat(r).isEqualTo(new TargetRank(1, 1, 4));
    // ORIGINAL: rank 1 -> MRR 1/2, NDCG@10 = 1/log2(3) = 0.6309297535.
    assertThat(r.mrr(TiePolicy.ORIGINAL)).isCloseTo(0.5, within(EPS));
    assertThat(r.ndcg(10, TiePolicy.ORIGINAL)).isCloseTo(0.6309297535714575, within(EPS));
    // Excluding lower-scored items changes only the candidate count.
    assertThat(TargetRank.of(SCORES, 1, 5)).isEqualTo(new TargetRank(2, 2, 5));
    assertThat(TargetRank.of(SCORES, 1, new int[0])).isEqualTo(new TargetRank(2, 2, 6));
  }

  @Test
  void cutoffBoundaryRankKMinusOneHitsRankKMisses() {
    // Target score 0 with exactly 9 higher items: rank 9 = K - 1 for K = 10.
    float[] s = new float[20];
    for (int i = 0; i < 9; i++) {
      s[i] = 1 + i;
    }
    s[9] = 0.5f; // target
    for (int i = 10; i < 20; i++) {
      s[i] = -i;
    }
    TargetRank hit = TargetRank.of(s, 9);
    assertThat(hit.greater()).isEqualTo(9);
    assertThat(hit.recall(10, TiePolicy.ORIGINAL)).isEqualTo(1.0);
    // NDCG@10 = 1/log2(11) = 0.2890648263.
    assertThat(hit.ndcg(10, TiePolicy.ORIGINAL)).isCloseTo(0.28906482631788455, within(EPS));
    // One more higher item: rank 10 = K, a miss for @10, but MRR still counts: 1/11.
    s[10] = 100;
    TargetRank miss = TargetRank.of(s, 9);
    assertThat(miss.greater()).isEqualTo(10);
    assertThat(miss.recall(10, TiePolicy.ORIGINAL)).isEqualTo(0.0);
    assertThat(miss.ndcg(10, TiePolicy.ORIGINAL)).isEqualTo(0.0);
    assertThat(miss.mrr(TiePolicy.ORIGINAL)).isCloseTo(1.0 / 11, within(EPS));
  }

  @Test
  void rejectsNanAndBadIndices() {
    assertThatThrownBy(() -> TargetRank.of(new float[] {1, Float.NaN, 2}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("score of item 1 is NaN: scores must be numbers to be ranked");
    assertThatThrownBy(() -> TargetRank.of(new double[] {Double.NaN, 1}, 0))
        .hasMessage("score of item 0 is NaN: scores must be numbers to be ranked");
    assertThatThrownBy(() -> TargetRank.of(new float[] {1, 2}, 2))
        .hasMessage("target index 2 is out of range: must be in [0, 2)");
    assertThatThrownBy(() -> TargetRank.of(new float[] {1, 2}, 0, 1, 5))
        .hasMessage("excluded item index 5 is out of range: must be in [0, 2)");
    assertThatThrownBy(() -> TargetRank.of(new float[] {1, 2}, 0).recall(0, TiePolicy.ORIGINAL))
        .hasMessage("cutoff K = 0 must be >= 1");
    assertThatThrownBy(() -> new TargetRank(3, 2, 5))
        .hasMessageContaining("greater + tied + 1 <= candidates");
  }

  @Test
  void infiniteScoresAreRankedNotRejected() {
    float[] s = {Float.POSITIVE_INFINITY, 0, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
    assertThat(TargetRank.of(s, 0)).isEqualTo(new TargetRank(0, 1, 4));
    assertThat(TargetRank.of(s, 2)).isEqualTo(new TargetRank(3, 0, 4));
  }

  @Test
  void expectedMrrWithHugeTieCountMatchesDirectSum() {
    // A constant-score model over a large catalog: the asymptotic harmonic path is used.
    for (int[] gt : new int[][] {{0, 100_000}, {7, 250_000}, {1_000, 5_000}, {0, 4_097}}) {
      TargetRank r = new TargetRank(gt[0], gt[1], gt[0] + gt[1] + 1);
      double sum = 0;
      for (long rank = gt[0]; rank <= (long) gt[0] + gt[1]; rank++) {
        sum += 1.0 / (rank + 1);
      }
      assertThat(r.mrr(TiePolicy.EXPECTED))
          .as("g=%d t=%d", gt[0], gt[1])
          .isCloseTo(sum / (gt[1] + 1.0), within(1e-14));
    }
    for (long n : new long[] {64, 65, 100, 1_000, 123_456}) {
      double h = 0;
      for (long i = n; i >= 1; i--) {
        h += 1.0 / i;
      }
      assertThat(TargetRank.harmonic(n)).isCloseTo(h, within(1e-13));
    }
  }

  /**
   * Oracle: enumerate every ordering of the ranked items, keep the ones sorted by descending score
   * (every tie-breaking), read the target's position and average / min / max the metric. Uniform
   * random tie-breaking makes every such ordering equally likely.
   */
  @Test
  void matchesBruteForceOverAllTieBreakings() {
    SplittableRandom random = new SplittableRandom(20231127L);
    int[] cutoffs = {1, 2, 3, 5};
    int cases = 0;
    for (int trial = 0; trial < 400; trial++) {
      int n = 1 + random.nextInt(7);
      float[] scores = new float[n];
      for (int i = 0; i < n; i++) {
        scores[i] = random.nextInt(3); // values in {0, 1, 2}: many ties
      }
      int target = random.nextInt(n);
      int[] excluded = new int[random.nextInt(4)];
      for (int i = 0; i < excluded.length; i++) {
        excluded[i] = random.nextInt(n);
      }
      List<Integer> ranked = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        final int item = i;
        if (item == target || Arrays.stream(excluded).noneMatch(e -> e == item)) {
          ranked.add(item);
        }
      }
      List<Integer> positions = new ArrayList<>();
      permute(ranked, 0, scores, target, positions);
      assertThat(positions).isNotEmpty();

      TargetRank r = TargetRank.of(scores, target, excluded);
      assertThat(r.candidates()).isEqualTo(ranked.size());
      for (int k : cutoffs) {
        double[] ndcg = positions.stream().mapToDouble(p -> p < k ? 1 / log2(p + 2) : 0).toArray();
        double[] hit = positions.stream().mapToDouble(p -> p < k ? 1 : 0).toArray();
        assertThat(r.ndcg(k, TiePolicy.EXPECTED)).isCloseTo(mean(ndcg), within(EPS));
        assertThat(r.recall(k, TiePolicy.EXPECTED)).isCloseTo(mean(hit), within(EPS));
        assertThat(r.ndcg(k, TiePolicy.ORIGINAL)).isCloseTo(max(ndcg), within(EPS));
        assertThat(r.ndcg(k, TiePolicy.PESSIMISTIC)).isCloseTo(min(ndcg), within(EPS));
        assertThat(r.recall(k, TiePolicy.ORIGINAL)).isEqualTo(max(hit));
        assertThat(r.recall(k, TiePolicy.PESSIMISTIC)).isEqualTo(min(hit));
      }
      double[] rr = positions.stream().mapToDouble(p -> 1.0 / (p + 1)).toArray();
      assertThat(r.mrr(TiePolicy.EXPECTED)).isCloseTo(mean(rr), within(EPS));
      assertThat(r.mrr(TiePolicy.ORIGINAL)).isCloseTo(max(rr), within(EPS));
      assertThat(r.mrr(TiePolicy.PESSIMISTIC)).isCloseTo(min(rr), within(EPS));
      double meanPosition = positions.stream().mapToDouble(p -> p).average().orElseThrow();
      assertThat(r.rank(TiePolicy.EXPECTED)).isCloseTo(meanPosition, within(EPS));
      cases++;
    }
    assertThat(cases).isEqualTo(400);
  }

  /** Records the target's position in every permutation that is sorted by descending score. */
  private static void permute(
      List<Integer> items, int from, float[] scores, int target, List<Integer> positions) {
    if (from == items.size()) {
      for (int i = 1; i < items.size(); i++) {
        if (scores[items.get(i - 1)] < scores[items.get(i)]) {
          return;
        }
      }
      positions.add(items.indexOf(target));
      return;
    }
    for (int i = from; i < items.size(); i++) {
      Collections.swap(items, from, i);
      permute(items, from + 1, scores, target, positions);
      Collections.swap(items, from, i);
    }
  }

  private static double mean(double[] v) {
    return Arrays.stream(v).sum() / v.length;
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElseThrow();
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElseThrow();
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
