package io.recformer.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HistoryPenaltyTest {

  @Test
  void lowersEachDistinctHistoryItemOnceInItsOwnRow() {
    // Two users x four items, row-major.
    float[] scores = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f, 0.3f, 0.2f};
    HistoryPenalty.applyRows(scores, 4, new int[][] {{1, 1, 3}, null}, 0.25);
    assertThat(scores)
        .containsExactly(0.9f, 0.8f - 0.25f, 0.7f, 0.6f - 0.25f, 0.5f, 0.4f, 0.3f, 0.2f);
  }

  @Test
  void aPenalisedHistoryItemFallsBelowTheTargetUnderKeep() {
    // Item 0 (history) outscores the target 2 until the penalty; both stay in the ranking.
    float[] scores = {0.9f, 0.1f, 0.8f};
    assertThat(TargetRank.of(scores, 2).rank(TiePolicy.ORIGINAL)).isEqualTo(1.0);
    HistoryPenalty.apply(scores, 0, 3, new int[] {0}, 0.2);
    assertThat(TargetRank.of(scores, 2).rank(TiePolicy.ORIGINAL)).isZero();
    assertThat(TargetRank.of(scores, 0).rank(TiePolicy.ORIGINAL)).isEqualTo(1.0);
  }

  @Test
  void aRepeatedTargetPaysThePenaltyToo() {
    float[] scores = {0.9f, 0.1f, 0.85f};
    HistoryPenalty.apply(scores, 0, 3, new int[] {0, 1}, 0.1);
    assertThat(TargetRank.of(scores, 0).rank(TiePolicy.ORIGINAL)).isEqualTo(1.0);
  }

  @Test
  void zeroChangesNothingAndBadInputIsNamed() {
    float[] scores = {0.5f, 0.25f};
    HistoryPenalty.apply(scores, 0, 2, new int[] {0, 1}, 0);
    assertThat(scores).containsExactly(0.5f, 0.25f);
    assertThatThrownBy(() -> HistoryPenalty.apply(scores, 0, 2, new int[] {2}, 0.1))
        .hasMessage("history item 2 is outside the catalog [0, 2)");
    assertThatThrownBy(() -> HistoryPenalty.requireValid(-0.1))
        .hasMessage("historyPenalty = -0.1 must be a finite number >= 0 (0 = none, the paper)");
    assertThatThrownBy(() -> HistoryPenalty.requireValid(Double.NaN))
        .hasMessageContaining("historyPenalty = NaN");
    assertThatThrownBy(() -> HistoryPenalty.requireValid(Double.POSITIVE_INFINITY))
        .hasMessageContaining("historyPenalty = Infinity");
  }
}
