package io.recformer.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.MetricAccumulator;
import io.recformer.core.metrics.TiePolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class PopularityBaselineTest {

  /**
   * Training parts (items except each user's last two): u1 = [0, 1, 1], u2 = [1, 2], u3 = [3].
   * Counts by hand: item 0 -> 1, item 1 -> 3, item 2 -> 1, item 3 -> 1, item 4 -> 0.
   */
  private static final List<int[]> TRAIN =
      List.of(new int[] {0, 1, 1}, new int[] {1, 2}, new int[] {3});

  @Test
  void countsEveryTrainingOccurrence() {
    PopularityBaseline pop = PopularityBaseline.fit(5, TRAIN);
    assertThat(new int[] {pop.count(0), pop.count(1), pop.count(2), pop.count(3), pop.count(4)})
        .containsExactly(1, 3, 1, 1, 0);
    float[][] scores = pop.score(List.of(new int[] {4}, new int[] {0, 2}));
    assertThat(scores[0]).containsExactly(1f, 3f, 1f, 1f, 0f);
    assertThat(scores[1]).containsExactly(scores[0]);
  }

  @Test
  void metricsOfHandComputedRanksUnderBothTiePolicies() {
    PopularityBaseline pop = PopularityBaseline.fit(5, TRAIN);
    float[] row = pop.score(List.of(new int[] {0}))[0];
    // Target 2 (count 1): one item (1) scores higher, two others (0, 3) tie with it.
    MetricAccumulator original =
        new MetricAccumulator(TiePolicy.ORIGINAL, HistoryPolicy.KEEP, 1, 10);
    original.add(row, 2, null);
    assertThat(original.report().get("Recall@1")).isEqualTo(0.0);
    assertThat(original.report().get("NDCG@10"))
        .isCloseTo(1 / (Math.log(3) / Math.log(2)), within(1e-12));
    assertThat(original.report().get("MRR")).isCloseTo(0.5, within(1e-12));
    // Expected ties: ranks 1, 2, 3 equally likely -> MRR = (1/2 + 1/3 + 1/4) / 3.
    MetricAccumulator expected =
        new MetricAccumulator(TiePolicy.EXPECTED, HistoryPolicy.KEEP, 1, 10);
    expected.add(row, 2, null);
    assertThat(expected.report().get("MRR"))
        .isCloseTo((1 / 2.0 + 1 / 3.0 + 1 / 4.0) / 3, within(1e-12));
    // The unseen item 4 scores 0 alone: rank 4 under any policy.
    MetricAccumulator cold = new MetricAccumulator(TiePolicy.EXPECTED, HistoryPolicy.KEEP, 1, 10);
    cold.add(row, 4, null);
    assertThat(cold.report().get("MRR")).isCloseTo(1 / 5.0, within(1e-12));
  }

  @Test
  void rejectsItemsOutsideTheCatalog() {
    assertThatThrownBy(() -> PopularityBaseline.fit(3, List.of(new int[] {0, 3})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("training item index 3 is out of range: must be in [0, 3)");
    assertThatThrownBy(() -> PopularityBaseline.fit(0, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("itemCount = 0 must be >= 1");
  }
}
