package io.recformer.infer.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TopKHeapTest {

  @Test
  void keepsTheBestEntriesWithRowTieBreak() {
    SplittableRandom random = new SplittableRandom(9);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + random.nextInt(300);
      int k = 1 + random.nextInt(40);
      TopKHeap heap = new TopKHeap(k);
      long[] all = new long[n];
      for (int row = 0; row < n; row++) {
        float score = random.nextInt(20) / 10f - 1f; // many exact ties, negatives and zero
        heap.offer(score, row);
        all[row] = TopKScan.sortKey(score, row);
      }
      Arrays.sort(all);
      List<Long> kept = new ArrayList<>();
      for (int i = 0; i < heap.size(); i++) {
        kept.add(TopKScan.sortKey(heap.score(i), heap.row(i)));
      }
      kept.sort(null);
      List<Long> expected = new ArrayList<>();
      for (int i = 0; i < Math.min(k, n); i++) {
        expected.add(all[i]);
      }
      assertThat(kept).isEqualTo(expected);
    }
  }

  @Test
  void sortKeyOrdersByScoreDescendingThenRowAndRoundTrips() {
    float[] scores = {1f, 0.5f, Float.MIN_VALUE, 0f, -0f, -Float.MIN_VALUE, -0.5f, -1f, -3e38f};
    for (int i = 0; i < scores.length; i++) {
      assertThat(TopKScan.scoreOf(TopKScan.sortKey(scores[i], 7)))
          .isEqualTo(scores[i] == 0f ? 0f : scores[i]);
      assertThat(TopKScan.rowOf(TopKScan.sortKey(scores[i], Integer.MAX_VALUE)))
          .isEqualTo(Integer.MAX_VALUE);
      if (i + 1 < scores.length && scores[i] != scores[i + 1]) {
        assertThat(TopKScan.sortKey(scores[i], 1000))
            .isLessThan(TopKScan.sortKey(scores[i + 1], 0));
      }
    }
    assertThat(TopKScan.sortKey(0f, 1)).isLessThan(TopKScan.sortKey(-0f, 2));
    assertThat(TopKScan.sortKey(0.25f, 1)).isLessThan(TopKScan.sortKey(0.25f, 2));
  }
}
