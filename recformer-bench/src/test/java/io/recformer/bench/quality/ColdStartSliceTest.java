package io.recformer.bench.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recformer.bench.baseline.IndexedExample;
import io.recformer.bench.baseline.SequenceScorer;
import io.recformer.core.metrics.MetricReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A handcrafted catalog of 14 items: 0..11 occur in training, 12 and 13 never do. The "ID model"
 * scores item i as (i + 1) / 100 for seen items, but gives unseen item 12 a high score 5.0 (as an
 * untrained embedding row can) and item 13 zero. Two test users: A (target 11, in-set), B (target
 * 12, cold-start). Expected values are worked out by hand in the comments.
 */
class ColdStartSliceTest {

  /** Items 0..11 occur in training; 12 and 13 do not. */
  private static boolean inTraining(int item) {
    return item < 12;
  }

  private static final SequenceScorer ID_MODEL =
      new SequenceScorer() {
        @Override
        public String name() {
          return "ID model";
        }

        @Override
        public int itemCount() {
          return 14;
        }

        @Override
        public float[][] score(List<int[]> histories) {
          float[][] out = new float[histories.size()][14];
          for (float[] row : out) {
            for (int i = 0; i < 12; i++) {
              row[i] = (i + 1) / 100f;
            }
            row[12] = 5f;
            row[13] = 0f;
          }
          return out;
        }
      };

  private static final List<IndexedExample> USERS =
      List.of(
          new IndexedExample(new int[] {0, 1}, 11), // A: in-set
          new IndexedExample(new int[] {2, 3}, 12)); // B: cold-start

  private static Map<Protocol, Map<Slice, MetricReport>> evaluate(SequenceScorer scorer) {
    return SliceEvaluator.evaluate(scorer, USERS, Protocol.ALL, ColdStartSliceTest::inTraining);
  }

  @Test
  void flooredIdModelCannotRankTheColdStartTarget() {
    Map<Protocol, Map<Slice, MetricReport>> r =
        evaluate(new UnseenItemFloor(ID_MODEL, ColdStartSliceTest::inTraining));

    Map<Slice, MetricReport> original = r.get(Protocol.PUBLISHED);
    assertThat(original.get(Slice.ALL).users()).isEqualTo(2);
    assertThat(original.get(Slice.IN_SET).users()).isEqualTo(1);
    assertThat(original.get(Slice.COLD_START).users()).isEqualTo(1);
    // A: item 11 is the best seen item and both unseen items sit at -inf: rank 0.
    assertThat(original.get(Slice.IN_SET).get("MRR")).isCloseTo(1.0, within(1e-12));
    assertThat(original.get(Slice.IN_SET).get("Recall@10")).isEqualTo(1.0);
    // B: all 12 seen items score higher, item 13 ties at -inf and the tie goes to the target
    // (original ties): rank 12. Recall@10 = 0, NDCG@10 = 0, Recall@50 = 1, NDCG@50 = 1/log2(14),
    // MRR = 1/13.
    MetricReport cold = original.get(Slice.COLD_START);
    assertThat(cold.get("Recall@10")).isEqualTo(0.0);
    assertThat(cold.get("NDCG@10")).isEqualTo(0.0);
    assertThat(cold.get("Recall@50")).isEqualTo(1.0);
    assertThat(cold.get("NDCG@50")).isCloseTo(1 / (Math.log(14) / Math.log(2)), within(1e-12));
    assertThat(cold.get("MRR")).isCloseTo(1 / 13.0, within(1e-12));
    // "all" is the mean of the two users.
    assertThat(original.get(Slice.ALL).get("MRR")).isCloseTo((1 + 1 / 13.0) / 2, within(1e-12));

    // Expected ties: rank 12 or 13 with probability 1/2 each.
    assertThat(r.get(Protocol.EXPECTED).get(Slice.COLD_START).get("MRR"))
        .isCloseTo((1 / 13.0 + 1 / 14.0) / 2, within(1e-12));
    // History excluded (items 2 and 3 of B leave the ranking, expected ties): 10 seen items above,
    // rank 10 or 11: still outside the top 10.
    MetricReport excluded = r.get(Protocol.EXPECTED_EXCLUDE).get(Slice.COLD_START);
    assertThat(excluded.get("Recall@10")).isEqualTo(0.0);
    assertThat(excluded.get("MRR")).isCloseTo((1 / 11.0 + 1 / 12.0) / 2, within(1e-12));
  }

  @Test
  void withoutTheFloorTheUntrainedRowDecides() {
    Map<Protocol, Map<Slice, MetricReport>> r = evaluate(ID_MODEL);
    // Item 12's untrained score 5.0 puts it first: B's cold target at rank 0, and A's target
    // pushed to rank 1. This is what the floor prevents from passing for a capability.
    assertThat(r.get(Protocol.PUBLISHED).get(Slice.COLD_START).get("MRR")).isEqualTo(1.0);
    assertThat(r.get(Protocol.PUBLISHED).get(Slice.IN_SET).get("MRR"))
        .isCloseTo(0.5, within(1e-12));
  }

  @Test
  void markdownListsAllInSetAndColdStartRowsWithUsersAndExplainsTies() {
    Map<Protocol, Map<Slice, MetricReport>> r =
        evaluate(new UnseenItemFloor(ID_MODEL, ColdStartSliceTest::inTraining));
    List<ResultRow> rows = new ArrayList<>();
    r.forEach(
        (p, perSlice) ->
            perSlice.forEach(
                (slice, m) -> {
                  Map<String, Double> se = new LinkedHashMap<>();
                  m.metrics().keySet().forEach(k -> se.put(k, m.standardError(k)));
                  rows.add(
                      new ResultRow(
                          "ID model",
                          ResultRow.MEASURED,
                          p.label(),
                          slice.label(),
                          m.users(),
                          m.metrics(),
                          se,
                          "ID-based"));
                }));
    String md =
        QualityBenchmark.markdown("t", rows, Map.of("ID-based models, unseen items", "floor: ..."));
    assertThat(md)
        .contains("### All vs in-set vs cold-start")
        .contains("lowest score (negative infinity)")
        .contains("Under original ties the target wins")
        .contains("| ID model | all |")
        .contains("| ID model | in-set |")
        .contains("| ID model | cold-start |");
    String section = md.substring(md.indexOf("### All vs in-set vs cold-start"));
    // per row: users column = 2 for all, 1 for each slice
    assertThat(section)
        .containsPattern("\\| ID model \\| all \\|[^\\n]*\\| 2 \\| ID-based \\|")
        .containsPattern("\\| ID model \\| cold-start \\|[^\\n]*\\| 1 \\| ID-based \\|");
  }
}
