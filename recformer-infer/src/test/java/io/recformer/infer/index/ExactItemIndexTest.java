package io.recformer.infer.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

class ExactItemIndexTest {

  private static final double TOLERANCE = 1e-5;

  /** Checks a result against the double-precision oracle; near-ties may swap within tolerance. */
  private static void assertMatchesOracle(
      List<ScoredItem> result,
      float[][] items,
      float[] query,
      int k,
      IntPredicate eligible,
      ExactItemIndex index) {
    List<BruteForce.Scored> ranking = BruteForce.ranking(items, query, eligible);
    int expected = Math.min(k, ranking.size());
    assertThat(result).hasSize(expected);
    for (int i = 0; i < expected; i++) {
      ScoredItem item = result.get(i);
      assertThat((double) item.score())
          .as("score at position %d", i)
          .isCloseTo(ranking.get(i).score(), within(TOLERANCE));
      assertThat((double) item.score())
          .as("reported score of row %d", item.row())
          .isCloseTo(BruteForce.cosine(query, items[item.row()]), within(TOLERANCE));
      assertThat(item.itemId()).isEqualTo(index.itemId(item.row()));
      assertThat(eligible.test(item.row())).as("row %d is eligible", item.row()).isTrue();
      if (i > 0) {
        ScoredItem previous = result.get(i - 1);
        assertThat(TopKHeap.worse(item.score(), item.row(), previous.score(), previous.row()))
            .as("position %d ranks below position %d", i, i - 1)
            .isTrue();
      }
    }
    if (expected > 0) {
      double cut = ranking.get(expected - 1).score();
      Set<Integer> rows = new HashSet<>();
      result.forEach(r -> rows.add(r.row()));
      for (BruteForce.Scored s : ranking) {
        if (s.score() > cut + TOLERANCE) {
          assertThat(rows)
              .as("row %d (score %s) must be in the top %d", s.row(), s.score(), k)
              .contains(s.row());
        }
      }
    }
  }

  @Test
  void topKMatchesDoublePrecisionOracleOnRandomData() {
    int n = 1000;
    for (int dim : new int[] {1, 7, 37, 64}) {
      float[][] items = BruteForce.gaussian(n, dim, 42 + dim);
      ExactItemIndex index = ExactItemIndex.build(BruteForce.ids(n, "item-"), items, "model-a");
      float[][] queries = BruteForce.gaussian(20, dim, 7 + dim);
      for (float[] query : queries) {
        for (int k : new int[] {1, 10, 100}) {
          assertMatchesOracle(index.topK(query, k), items, query, k, row -> true, index);
        }
      }
    }
  }

  @Test
  void exactTiesAreOrderedByRowAndCutAtTheLowestRows() {
    // 4 distinct vectors, each repeated: duplicates score bit-identically, distinct ones differ a
    // lot.
    float[][] base = {{1, 0, 0}, {0.6f, 0.8f, 0}, {0, 0, 1}, {-1, 0, 0}};
    int n = 400;
    float[][] items = new float[n][];
    for (int i = 0; i < n; i++) {
      items[i] = base[(i * 7) % base.length].clone();
    }
    ExactItemIndex index = ExactItemIndex.build(BruteForce.ids(n, "t"), items, "");
    float[] query = {1, 0.1f, 0};
    List<BruteForce.Scored> ranking = BruteForce.ranking(items, query, row -> true);
    for (int threads : new int[] {1, 2, 3, 8}) {
      for (int k : new int[] {1, 50, 150, 399, 400, 1000}) {
        List<ScoredItem> result = index.topK(query, k, QueryOptions.DEFAULTS.withThreads(threads));
        List<Integer> expectedRows = new ArrayList<>();
        ranking.stream().limit(k).forEach(s -> expectedRows.add(s.row()));
        assertThat(result)
            .extracting(ScoredItem::row)
            .as("k=%d threads=%d", k, threads)
            .containsExactlyElementsOf(expectedRows);
      }
    }
  }

  @Test
  void exclusionsAndFiltersNeverReturnTheirRows() {
    int n = 500;
    int dim = 16;
    float[][] items = BruteForce.gaussian(n, dim, 3);
    ExactItemIndex index = ExactItemIndex.build(BruteForce.ids(n, "i"), items, "m");
    float[] query = BruteForce.gaussian(1, dim, 4)[0];
    List<BruteForce.Scored> all = BruteForce.ranking(items, query, row -> true);
    // Exclude the current top 5 by id (plus an id the index does not hold) and 3 more by row.
    List<String> history = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      history.add("i" + all.get(i).row());
    }
    history.add("never-indexed");
    int[] excludedRows = {all.get(5).row(), all.get(6).row(), 0};
    QueryOptions options =
        QueryOptions.DEFAULTS
            .withExcludedIds(history)
            .withExcludedRows(excludedRows)
            .withRowFilter(row -> row % 3 != 1)
            .withIdFilter(id -> !id.endsWith("7"));
    Set<Integer> excluded = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      excluded.add(all.get(i).row());
    }
    for (int row : excludedRows) {
      excluded.add(row);
    }
    IntPredicate eligible =
        row -> !excluded.contains(row) && row % 3 != 1 && !("i" + row).endsWith("7");
    for (int threads : new int[] {1, 2, 5}) {
      for (int k : new int[] {1, 10, 500}) {
        assertMatchesOracle(
            index.topK(query, k, options.withThreads(threads)), items, query, k, eligible, index);
      }
    }
  }

  @Test
  void kLargerThanSizeReturnsAllItemsAndKZeroReturnsNothing() {
    float[][] items = BruteForce.gaussian(10, 5, 1);
    ExactItemIndex index = ExactItemIndex.build(BruteForce.ids(10, "x"), items, "m");
    float[] query = items[3];
    assertThat(index.topK(query, 1000)).hasSize(10);
    assertThat(index.topK(query, Integer.MAX_VALUE, QueryOptions.DEFAULTS.withExcludedRows(1, 2)))
        .hasSize(8);
    assertThat(index.topK(query, 0)).isEmpty();
    assertThat(index.topK(new float[][] {query, items[1]}, 0, QueryOptions.DEFAULTS))
        .containsExactly(List.of(), List.of());
    assertThat(index.topK(query, 1).get(0))
        .satisfies(
            best -> {
              assertThat(best.itemId()).isEqualTo("x3");
              assertThat(best.score()).isCloseTo(1f, within(1e-6f));
            });
    assertThatThrownBy(() -> index.topK(query, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("k must be >= 0, was -1");
  }

  @Test
  void everyThreadCountAndExecutorGiveIdenticalResults() {
    int n = 3001; // not a multiple of the tile or of any thread count
    int dim = 24;
    float[][] items = BruteForce.gaussian(n, dim, 11);
    ExactItemIndex index = ExactItemIndex.build(BruteForce.ids(n, "r"), items, "m");
    float[][] queries = BruteForce.gaussian(5, dim, 12);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      for (float[] query : queries) {
        List<ScoredItem> single = index.topK(query, 25, QueryOptions.DEFAULTS.withThreads(1));
        for (int threads : new int[] {2, 3, 4, 7, 64}) {
          assertThat(index.topK(query, 25, QueryOptions.DEFAULTS.withThreads(threads)))
              .as("threads=%d", threads)
              .isEqualTo(single);
          assertThat(
                  index.topK(
                      query, 25, QueryOptions.DEFAULTS.withThreads(threads).withExecutor(pool)))
              .isEqualTo(single);
        }
        assertThat(index.topK(query, 25)).isEqualTo(single);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void batchedQueriesEqualSingleQueriesBitForBit() {
    int n = 777;
    int dim = 19;
    float[][] items = BruteForce.gaussian(n, dim, 21);
    ExactItemIndex index = ExactItemIndex.build(BruteForce.ids(n, "b"), items, "m");
    float[][] queries = BruteForce.gaussian(37, dim, 22); // odd and above one query block
    QueryOptions options =
        QueryOptions.DEFAULTS.withExcludedRows(5, 6, 7).withRowFilter(row -> row != 100);
    for (int threads : new int[] {1, 3}) {
      List<List<ScoredItem>> batched = index.topK(queries, 15, options.withThreads(threads));
      assertThat(batched).hasSize(queries.length);
      for (int q = 0; q < queries.length; q++) {
        assertThat(batched.get(q))
            .as("query %d", q)
            .isEqualTo(index.topK(queries[q], 15, options.withThreads(1)));
      }
    }
    assertThat(index.topK(new float[0][], 5, QueryOptions.DEFAULTS)).isEmpty();
  }

  @Test
  void multipleHeapSegmentsGiveTheSameResultsAsOne() {
    int n = 500;
    int dim = 12;
    float[][] items = BruteForce.gaussian(n, dim, 31);
    ExactItemIndex one = ExactItemIndex.build(BruteForce.ids(n, "s"), items, "m");
    float[] flat = new float[n * dim];
    one.store().copyRows(0, n, flat, 0);
    VectorStore split = VectorStore.ofHeap(flat, n, dim, 37L * dim); // 37 rows per segment
    assertThat(split.segmentCount()).isEqualTo(14);
    ExactItemIndex segmented = new ExactItemIndex(split, one.ids(), "m");
    float[][] queries = BruteForce.gaussian(9, dim, 32);
    for (int threads : new int[] {1, 2, 3}) {
      QueryOptions options = QueryOptions.DEFAULTS.withThreads(threads);
      assertThat(segmented.topK(queries, 40, options)).isEqualTo(one.topK(queries, 40, options));
    }
    assertThat(segmented.vector(400)).containsExactly(one.vector(400));
  }

  @Test
  void storedVectorsAreUnitLengthAndCallerArraysUntouched() {
    float[][] items = {{3, 4}, {0, -2}};
    ExactItemIndex index = ExactItemIndex.build(List.of("a", "b"), items, "m");
    assertThat(index.vector(0)).containsExactly(0.6f, 0.8f);
    assertThat(index.vector(1)).containsExactly(0f, -1f);
    assertThat(items[0]).containsExactly(3f, 4f);
    assertThat(index.rowOf("b")).hasValue(1);
    assertThat(index.rowOf("zzz")).isEmpty();
    assertThat(index.itemId(0)).isEqualTo("a");
    assertThat(index.dimension()).isEqualTo(2);
    assertThat(index.fingerprint()).isEqualTo("m");
    assertThatThrownBy(() -> index.itemId(2))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("row 2 is outside [0, 2)");
    ExactItemIndex flat =
        ExactItemIndex.build(List.of("a", "b"), new float[] {3, 4, 0, -2}, 2, "m");
    assertThat(flat.vector(0)).containsExactly(0.6f, 0.8f);
  }

  @Test
  void buildRejectsBadVectorsAndIdsNamingTheItem() {
    assertThatThrownBy(
            () -> ExactItemIndex.build(List.of("a", "b"), new float[][] {{1, 2}, {0, 0}}, "m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("vector of item 'b' (row 1) is all zeros; cosine similarity is undefined");
    assertThatThrownBy(
            () ->
                ExactItemIndex.build(
                    List.of("a", "b"), new float[][] {{1, 2}, {Float.NaN, 0}}, "m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("vector of item 'b' (row 1) has NaN at position 0; vectors must be finite");
    assertThatThrownBy(
            () ->
                ExactItemIndex.build(
                    List.of("a"), new float[][] {{1, Float.POSITIVE_INFINITY}}, "m"))
        .hasMessage(
            "vector of item 'a' (row 0) has Infinity at position 1; vectors must be finite");
    assertThatThrownBy(
            () -> ExactItemIndex.build(List.of("a", "b"), new float[][] {{1, 2}, {1, 2, 3}}, "m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("vector of item 'b' (row 1) has dimension 3, expected 2");
    assertThatThrownBy(
            () -> ExactItemIndex.build(List.of("a", "b", "a"), new float[][] {{1}, {2}, {3}}, "m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duplicate item id 'a' at rows 0 and 2");
    assertThatThrownBy(() -> ExactItemIndex.build(List.of("a", ""), new float[][] {{1}, {2}}, "m"))
        .hasMessage("item id at position 1 is empty");
    assertThatThrownBy(() -> ExactItemIndex.build(List.of("a"), new float[][] {{1}, {2}}, "m"))
        .hasMessage("got 1 ids but 2 vectors");
    assertThatThrownBy(() -> ExactItemIndex.build(List.of("a"), new float[] {1, 2, 3}, 2, "m"))
        .hasMessage("flatVectors has 3 floats, expected 1 ids x dimension 2 = 2");
  }

  @Test
  void queriesAreValidated() {
    ExactItemIndex index =
        ExactItemIndex.build(List.of("a", "b"), new float[][] {{1, 0}, {0, 1}}, "m");
    assertThatThrownBy(() -> index.topK(new float[] {1, 0, 0}, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("query has dimension 3, the index holds 2-dim vectors");
    assertThatThrownBy(() -> index.topK(new float[] {0, 0}, 1))
        .hasMessage("query is all zeros; cosine similarity is undefined");
    assertThatThrownBy(
            () -> index.topK(new float[][] {{1, 0}, {Float.NaN, 1}}, 1, QueryOptions.DEFAULTS))
        .hasMessage("query 1 has NaN at position 0; vectors must be finite");
    assertThatThrownBy(
            () -> index.topK(new float[] {1, 0}, 1, QueryOptions.DEFAULTS.withExcludedRows(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("excluded row 2 is outside [0, 2)");
    assertThatThrownBy(() -> QueryOptions.DEFAULTS.withThreads(-1))
        .hasMessage("threads must be >= 0 (0 = chosen by the index), was -1");
    assertThatThrownBy(() -> QueryOptions.DEFAULTS.withExcludedRows(-3))
        .hasMessage("excludedRows must be >= 0, found -3");
    // Scale does not matter: the query is normalized internally.
    assertThat(index.topK(new float[] {1000, 1}, 1).get(0).score())
        .isEqualTo(index.topK(new float[] {1, 0.001f}, 1).get(0).score(), within(1e-6f));
  }

  @Test
  void filtersAreAskedOnlyAboutCandidates() {
    int n = 2000;
    float[][] items = BruteForce.gaussian(n, 8, 5);
    ExactItemIndex index = ExactItemIndex.build(BruteForce.ids(n, "f"), items, "m");
    AtomicInteger calls = new AtomicInteger();
    index.topK(
        items[0],
        5,
        QueryOptions.DEFAULTS
            .withThreads(1)
            .withRowFilter(
                row -> {
                  calls.incrementAndGet();
                  return true;
                }));
    assertThat(calls.get()).isGreaterThanOrEqualTo(5).isLessThan(n / 4);
  }

  @Test
  void coldStartAddsItemsWithoutTouchingTheOriginal() {
    int dim = 10;
    float[][] first = BruteForce.gaussian(300, dim, 51);
    float[][] added = BruteForce.gaussian(40, dim, 52);
    ExactItemIndex base = ExactItemIndex.build(BruteForce.ids(300, "old"), first, "m");
    ExactItemIndex grown = base.withAdded(BruteForce.ids(40, "new"), added);
    float[][] all = new float[340][];
    System.arraycopy(first, 0, all, 0, 300);
    System.arraycopy(added, 0, all, 300, 40);
    List<String> allIds = new ArrayList<>(BruteForce.ids(300, "old"));
    allIds.addAll(BruteForce.ids(40, "new"));
    ExactItemIndex rebuilt = ExactItemIndex.build(allIds, all, "m");

    assertThat(base.size()).isEqualTo(300);
    assertThat(grown.size()).isEqualTo(340);
    assertThat(grown.rowOf("new7")).hasValue(307);
    assertThat(grown.itemId(339)).isEqualTo("new39");
    assertThat(base.rowOf("new7")).isEmpty();
    float[][] queries = BruteForce.gaussian(6, dim, 53);
    assertThat(grown.topK(queries, 20, QueryOptions.DEFAULTS.withThreads(2)))
        .isEqualTo(rebuilt.topK(queries, 20, QueryOptions.DEFAULTS));
    // A new item is found by its own vector.
    assertThat(grown.topK(added[12], 1).get(0).itemId()).isEqualTo("new12");

    // Many small additions stay correct past the id-table layering limit.
    ExactItemIndex step = base;
    for (int i = 0; i < 40; i++) {
      step = step.withAdded(List.of("new" + i), new float[][] {added[i]});
    }
    assertThat(step.topK(queries, 20, QueryOptions.DEFAULTS))
        .isEqualTo(rebuilt.topK(queries, 20, QueryOptions.DEFAULTS));
    assertThat(step.rowOf("old3")).hasValue(3);
  }

  @Test
  void replacingAnExistingIdIsExplicit() {
    float[][] items = {{1, 0}, {0, 1}, {-1, 0}};
    ExactItemIndex index = ExactItemIndex.build(List.of("a", "b", "c"), items, "m");
    assertThatThrownBy(() -> index.withAdded(List.of("d", "b"), new float[][] {{1, 1}, {1, 0}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "item 'b' is already in the index at row 1; pass OnExisting.REPLACE to replace its"
                + " vector");
    assertThatThrownBy(() -> index.withAdded(List.of("d", "d"), new float[][] {{1, 1}, {1, 0}}))
        .hasMessage("duplicate item id 'd' at rows 0 and 1");
    assertThatThrownBy(() -> index.withAdded(List.of("d"), new float[][] {{1, 1, 1}}))
        .hasMessage("vector of item 'd' (row 3) has dimension 3, expected 2");

    ExactItemIndex replaced =
        index.withAdded(
            List.of("d", "b"), new float[][] {{1, 1}, {2, 0}}, ItemIndex.OnExisting.REPLACE);
    assertThat(replaced.size()).isEqualTo(4);
    assertThat(replaced.rowOf("b")).hasValue(1);
    assertThat(replaced.vector(1)).containsExactly(1f, 0f);
    assertThat(index.vector(1)).containsExactly(0f, 1f);
    assertThat(replaced.topK(new float[] {1, 0}, 2))
        .extracting(ScoredItem::itemId)
        .containsExactly("a", "b");
    assertThat(replaced.topK(new float[] {0, 1}, 1))
        .extracting(ScoredItem::itemId)
        .containsExactly("d");
  }
}
