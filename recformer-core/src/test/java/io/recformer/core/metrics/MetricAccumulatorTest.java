package io.recformer.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class MetricAccumulatorTest {

  private static final double EPS = 1e-12;

  /** Scores where the target (item 0) has exactly {@code rank} items above it, no ties. */
  private static float[] withRank(int rank, int items) {
    float[] s = new float[items];
    for (int i = 1; i < items; i++) {
      s[i] = i <= rank ? 10 + i : -i;
    }
    return s;
  }

  @Test
  void averagesPerUserWithStandardErrors() {
    MetricAccumulator acc = new MetricAccumulator(TiePolicy.ORIGINAL, HistoryPolicy.KEEP);
    // Ranks 0, 1, 20, 60 in a catalog of 100.
    for (int rank : new int[] {0, 1, 20, 60}) {
      acc.add(withRank(rank, 100), 0, null);
    }
    MetricReport report = acc.report();
    assertThat(report.users()).isEqualTo(4);
    assertThat(acc.count()).isEqualTo(4);
    assertThat(report.metrics().keySet())
        .containsExactly("NDCG@10", "Recall@10", "NDCG@50", "Recall@50", "MRR");
    // Recall@10: hits for ranks 0, 1 -> 2/4. Recall@50: ranks 0, 1, 20 -> 3/4.
    assertThat(report.get("Recall@10")).isCloseTo(0.5, within(EPS));
    assertThat(report.get("Recall@50")).isCloseTo(0.75, within(EPS));
    // NDCG@10 = (1/log2 2 + 1/log2 3) / 4 = (1 + 0.6309297536) / 4.
    double ndcg10 = (1 + Math.log(2) / Math.log(3)) / 4;
    assertThat(report.get("NDCG@10")).isCloseTo(ndcg10, within(EPS));
    // NDCG@50 adds 1/log2(22) for rank 20.
    assertThat(report.get("NDCG@50"))
        .isCloseTo(ndcg10 + Math.log(2) / Math.log(22) / 4, within(EPS));
    // MRR = (1 + 1/2 + 1/21 + 1/61) / 4.
    assertThat(report.get("MRR")).isCloseTo((1 + 0.5 + 1.0 / 21 + 1.0 / 61) / 4, within(EPS));
    // Recall@10 values 1, 1, 0, 0: sample variance = 4 * 0.25 / 3 = 1/3, SE = sqrt(1/3 / 4).
    assertThat(report.standardError("Recall@10")).isCloseTo(Math.sqrt(1.0 / 12), within(EPS));
    assertThat(report.tiePolicy()).isEqualTo(TiePolicy.ORIGINAL);
    assertThat(report.historyPolicy()).isEqualTo(HistoryPolicy.KEEP);
  }

  @Test
  void perUserMeanDiffersFromTheOriginalsPerBatchMean() {
    // Batch 1 (3 users): hits 1, 1, 1. Batch 2 (1 user): hit 0.
    // Per-batch mean of means = (1 + 0) / 2 = 0.5; per-user mean = 3/4.
    MetricAccumulator acc = new MetricAccumulator(TiePolicy.ORIGINAL, HistoryPolicy.KEEP, 10);
    float[] batch1 = new float[3 * 20];
    for (int u = 0; u < 3; u++) {
      System.arraycopy(withRank(0, 20), 0, batch1, u * 20, 20);
    }
    acc.addBatch(batch1, 20, new int[] {0, 0, 0}, null);
    acc.addBatch(withRank(15, 20), 20, new int[] {0}, null);
    assertThat(acc.report().get("Recall@10")).isCloseTo(0.75, within(EPS));
  }

  @Test
  void historyPolicyDecidesWhetherHistoryIsRanked() {
    // Target 0 scores 1; items 1 and 2 score higher and are in the history.
    float[] s = {1, 5, 4, 0, 0};
    int[] history = {1, 2, 2, 0};
    MetricAccumulator keep = new MetricAccumulator(TiePolicy.ORIGINAL, HistoryPolicy.KEEP, 1);
    MetricAccumulator exclude = new MetricAccumulator(TiePolicy.ORIGINAL, HistoryPolicy.EXCLUDE, 1);
    keep.add(s, 0, history);
    exclude.add(s, 0, history);
    // KEEP: rank 2 -> MRR 1/3, miss at 1. EXCLUDE: rank 0 -> MRR 1, hit at 1.
    assertThat(keep.report().get("MRR")).isCloseTo(1.0 / 3, within(EPS));
    assertThat(keep.report().get("Recall@1")).isZero();
    assertThat(exclude.report().get("MRR")).isCloseTo(1.0, within(EPS));
    assertThat(exclude.report().get("Recall@1")).isEqualTo(1.0);
    // The double[] path ranks the same way.
    exclude.add(new double[] {1, 5, 4, 0, 0}, 0, history);
    assertThat(exclude.report().get("MRR")).isCloseTo(1.0, within(EPS));
    assertThat(exclude.count()).isEqualTo(2);
  }

  @Test
  void batchConcurrentAndMergedResultsEqualSequentialOnes() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    int users = 400;
    int items = 300;
    float[] matrix = new float[users * items];
    for (int i = 0; i < matrix.length; i++) {
      matrix[i] = random.nextInt(50) / 7f; // coarse values: many ties
    }
    int[] targets = new int[users];
    int[][] histories = new int[users][];
    for (int u = 0; u < users; u++) {
      targets[u] = random.nextInt(items);
      histories[u] = random.ints(random.nextInt(10), 0, items).toArray();
    }
    for (TiePolicy tie : TiePolicy.values()) {
      MetricAccumulator sequential = new MetricAccumulator(tie, HistoryPolicy.EXCLUDE, 5, 10, 50);
      for (int u = 0; u < users; u++) {
        float[] row = new float[items];
        System.arraycopy(matrix, u * items, row, 0, items);
        sequential.add(row, targets[u], histories[u]);
      }
      MetricAccumulator batch = new MetricAccumulator(tie, HistoryPolicy.EXCLUDE, 50, 10, 5, 10);
      batch.addBatch(matrix, items, targets, histories);

      MetricAccumulator concurrent = new MetricAccumulator(tie, HistoryPolicy.EXCLUDE, 5, 10, 50);
      MetricAccumulator left = new MetricAccumulator(tie, HistoryPolicy.EXCLUDE, 5, 10, 50);
      MetricAccumulator right = new MetricAccumulator(tie, HistoryPolicy.EXCLUDE, 5, 10, 50);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int u = 0; u < users; u++) {
          final int user = u;
          futures.add(
              pool.submit(
                  () -> {
                    float[] row = new float[items];
                    System.arraycopy(matrix, user * items, row, 0, items);
                    concurrent.add(row, targets[user], histories[user]);
                    (user % 3 == 0 ? left : right).add(row, targets[user], histories[user]);
                  }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      left.merge(right);

      MetricReport expected = sequential.report();
      for (MetricReport other : List.of(batch.report(), concurrent.report(), left.report())) {
        assertThat(other.users()).isEqualTo(users);
        assertThat(other.metrics().keySet()).containsExactlyElementsOf(expected.metrics().keySet());
        for (String name : expected.metrics().keySet()) {
          assertThat(other.get(name)).as(name).isCloseTo(expected.get(name), within(1e-12));
          assertThat(other.standardError(name))
              .as(name)
              .isCloseTo(expected.standardError(name), within(1e-12));
        }
      }
      // Independent check of the mean: sum of per-user TargetRank values / users.
      double mrr = 0;
      for (int u = 0; u < users; u++) {
        float[] row = new float[items];
        System.arraycopy(matrix, u * items, row, 0, items);
        mrr += TargetRank.of(row, targets[u], histories[u]).mrr(tie);
      }
      assertThat(expected.get("MRR")).isCloseTo(mrr / users, within(1e-12));
    }
  }

  @Test
  void rejectsMisuse() {
    MetricAccumulator acc = new MetricAccumulator(TiePolicy.EXPECTED, HistoryPolicy.KEEP);
    assertThatThrownBy(acc::report)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no user was evaluated");
    assertThatThrownBy(() -> acc.addBatch(new float[10], 3, new int[] {0, 0, 0}, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("score matrix has 10 entries, expected users x items = 3 x 3");
    assertThatThrownBy(
            () -> acc.addBatch(new float[] {0, Float.NaN, 1, 2}, 2, new int[] {0, 0}, null))
        .hasMessage("score of item 1 is NaN: scores must be numbers to be ranked");
    assertThatThrownBy(
            () -> acc.addBatch(new float[] {0, 1, 2, Float.NaN}, 2, new int[] {0, 0}, null))
        .hasMessage("score of item 1 is NaN (row 1): scores must be numbers to be ranked");
    assertThatThrownBy(() -> new MetricAccumulator(TiePolicy.EXPECTED, HistoryPolicy.KEEP, 0, 10))
        .hasMessage("cutoff K = 0 must be >= 1");
    assertThatThrownBy(
            () -> acc.merge(new MetricAccumulator(TiePolicy.ORIGINAL, HistoryPolicy.KEEP)))
        .hasMessageContaining("different settings");
    assertThat(acc.count()).isZero();
  }

  @Test
  void reportRendersMarkdownAndJsonLocaleIndependently() throws Exception {
    // Surefire runs under the Turkish locale: decimal points must stay dots.
    MetricAccumulator acc = new MetricAccumulator(TiePolicy.EXPECTED, HistoryPolicy.EXCLUDE, 10);
    acc.add(withRank(0, 30), 0, null);
    acc.add(withRank(20, 30), 0, null);
    MetricReport report = acc.report();
    // Recall@10 values 1, 0: mean 0.5, sample sd = sqrt(0.5), SE = sqrt(0.5 / 2) = 0.5.
    // MRR values 1, 1/21: mean 0.5238095, SE = (1 - 1/21) / 2 = 0.4761905.
    assertThat(report.toMarkdownTable("zero-shot"))
        .isEqualTo(
            "| run | NDCG@10 | Recall@10 | MRR | users | ties | history |\n"
                + "|---|---:|---:|---:|---:|---|---|\n"
                + "| zero-shot | 0.5000 ± 0.5000 | 0.5000 ± 0.5000 | 0.5238 ± 0.4762 | 2 | expected"
                + " | exclude |\n");
    JsonNode json = new ObjectMapper().readTree(report.toJson());
    assertThat(json.get("users").asLong()).isEqualTo(2);
    assertThat(json.get("tiePolicy").asText()).isEqualTo("EXPECTED");
    assertThat(json.get("historyPolicy").asText()).isEqualTo("EXCLUDE");
    assertThat(json.get("metrics").fieldNames())
        .toIterable()
        .containsExactly("NDCG@10", "Recall@10", "MRR");
    assertThat(json.get("metrics").get("MRR").asDouble()).isCloseTo(11.0 / 21, within(EPS));
    assertThat(json.get("standardErrors").get("Recall@10").asDouble()).isCloseTo(0.5, within(EPS));
    assertThatThrownBy(() -> report.get("NDCG@50"))
        .hasMessage("no metric 'NDCG@50' in this report (available: [NDCG@10, Recall@10, MRR])");

    MetricAccumulator one = new MetricAccumulator(TiePolicy.ORIGINAL, HistoryPolicy.KEEP, 10);
    one.add(withRank(0, 30), 0, null);
    MetricReport single = one.report();
    assertThat(single.standardError("MRR")).isNaN();
    assertThat(
            new ObjectMapper().readTree(single.toJson()).get("standardErrors").get("MRR").isNull())
        .isTrue();
    assertThat(single.markdownRow("x"))
        .isEqualTo("| x | 1.0000 | 1.0000 | 1.0000 | 1 | original | keep |\n");
  }
}
