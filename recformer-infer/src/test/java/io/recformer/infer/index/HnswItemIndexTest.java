package io.recformer.infer.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.infer.index.ItemIndex.OnExisting;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HnswItemIndex} against the exact index on 20,000 x 64 clustered vectors (built once for
 * the class: a few seconds).
 */
class HnswItemIndexTest {

  private static final int N = 20_000;
  private static final int DIM = 64;

  /** M 16, beamWidth 100, efSearch 100: the defaults. */
  private static final HnswParameters PARAMS = HnswParameters.DEFAULTS;

  private static ClusteredVectors data;
  private static float[][] items;
  private static float[][] queries;
  private static ExactItemIndex exact;
  private static HnswItemIndex hnsw;

  @BeforeAll
  static void build() {
    data = new ClusteredVectors(200, DIM, 1.0, 7L);
    items = data.next(N);
    queries = data.next(200);
    List<String> ids = ClusteredVectors.ids("item-", N);
    long[] texts = new long[N];
    for (int i = 0; i < N; i++) {
      texts[i] = 1000L + i;
    }
    exact = ExactItemIndex.build(ids, items, texts, "model-a");
    hnsw = HnswItemIndex.build(ids, items, texts, "model-a", PARAMS);
  }

  @Test
  void recallAt10AgainstTheExactTop10IsAtLeast95Percent() {
    double recall = ClusteredVectors.recall(hnsw, exact, queries, 10);
    assertThat(recall).as("Recall@10 with %s", PARAMS).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void theRecallAssertionCanFailWithATinyBeam() {
    double good = ClusteredVectors.recall(hnsw, exact, queries, 10);
    double tiny = ClusteredVectors.recall(hnsw.withEfSearch(1), exact, queries, 10);
    assertThat(tiny).as("Recall@10 with efSearch 1 (beam = k = 10)").isLessThan(0.95);
    assertThat(tiny).isLessThan(good - 0.05);
  }

  @Test
  void scoresAreTheExactCosinesAndTheOrderIsDeterministic() {
    for (int q = 0; q < 20; q++) {
      List<ScoredItem> approx = hnsw.topK(queries[q], 10);
      assertThat(approx).hasSize(10);
      for (int i = 0; i < approx.size(); i++) {
        ScoredItem s = approx.get(i);
        assertThat(s.itemId()).isEqualTo(exact.itemId(s.row()));
        assertThat(s.score())
            .isEqualTo(
                exact
                    .topK(queries[q], 1, QueryOptions.DEFAULTS.withRowFilter(r -> r == s.row()))
                    .get(0)
                    .score());
        if (i > 0) {
          ScoredItem p = approx.get(i - 1);
          assertThat(TopKHeap.worse(s.score(), s.row(), p.score(), p.row())).isTrue();
        }
      }
      assertThat(hnsw.topK(queries[q], 10)).isEqualTo(approx);
    }
  }

  @Test
  void followsTheQueryContract() {
    assertThat(hnsw.topK(queries[0], 0)).isEmpty();
    assertThatThrownBy(() -> hnsw.topK(queries[0], -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("k must be >= 0");
    assertThatThrownBy(() -> hnsw.topK(new float[DIM - 1], 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query has dimension 63, the index holds 64-dim vectors");
    assertThatThrownBy(() -> hnsw.topK(new float[DIM], 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("all zeros");
    List<ScoredItem> top = hnsw.topK(queries[1], 5);
    List<ScoredItem> without =
        hnsw.topK(
            queries[1],
            5,
            QueryOptions.DEFAULTS
                .withExcludedIds(Set.of(top.get(0).itemId(), "not-indexed"))
                .withExcludedRows(top.get(1).row()));
    assertThat(without)
        .extracting(ScoredItem::row)
        .doesNotContain(top.get(0).row(), top.get(1).row())
        .hasSize(5);
    List<ScoredItem> even =
        hnsw.topK(queries[1], 10, QueryOptions.DEFAULTS.withRowFilter(r -> r % 2 == 0));
    assertThat(even).hasSize(10).allMatch(s -> s.row() % 2 == 0);
    // A filter accepting three items: the graph search finds too few, the scan finds all three.
    List<ScoredItem> three =
        hnsw.topK(
            queries[1],
            10,
            QueryOptions.DEFAULTS.withIdFilter(Set.of("item-1", "item-2", "item-3")::contains));
    assertThat(three)
        .extracting(ScoredItem::itemId)
        .containsExactlyInAnyOrder("item-1", "item-2", "item-3");
    assertThatThrownBy(() -> hnsw.topK(queries[0], 3, QueryOptions.DEFAULTS.withExcludedRows(N)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("excluded row 20000 is outside [0, 20000)");
    List<List<ScoredItem>> batch =
        hnsw.topK(new float[][] {queries[2], queries[3]}, 4, QueryOptions.DEFAULTS);
    assertThat(batch).containsExactly(hnsw.topK(queries[2], 4), hnsw.topK(queries[3], 4));
  }

  @Test
  void aSmallIndexReturnsEveryItemForALargeK() {
    HnswItemIndex small =
        HnswItemIndex.build(
            ClusteredVectors.ids("s", 30), data.next(30), new long[30], "m", PARAMS);
    assertThat(small.topK(queries[0], 100)).hasSize(30);
    assertThat(small.topK(queries[0], 100, QueryOptions.DEFAULTS.withRowFilter(r -> r < 7)))
        .hasSize(7);
    ExactItemIndex same =
        ExactItemIndex.build(ClusteredVectors.ids("s", 30), vectorsOf(small), "m");
    assertThat(small.topK(queries[0], 100)).isEqualTo(same.topK(queries[0], 100));
  }

  private static float[][] vectorsOf(ItemIndex index) {
    float[][] out = new float[index.size()][];
    for (int r = 0; r < out.length; r++) {
      out[r] = index.vector(r);
    }
    return out;
  }

  @Test
  void saveAndOpenGiveTheSameIndex(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("items.rfhnsw");
    hnsw.save(file);
    HnswItemIndex opened = HnswItemIndex.open(file);
    assertThat(opened.size()).isEqualTo(N);
    assertThat(opened.dimension()).isEqualTo(DIM);
    assertThat(opened.fingerprint()).isEqualTo("model-a");
    assertThat(opened.parameters()).isEqualTo(PARAMS);
    for (int row = 0; row < N; row += 997) {
      assertThat(opened.itemId(row)).isEqualTo(hnsw.itemId(row));
      assertThat(opened.vector(row)).isEqualTo(hnsw.vector(row));
      assertThat(opened.textFingerprint(row)).isEqualTo(1000L + row);
      assertThat(opened.rowOf("item-" + row)).hasValue(row);
    }
    for (float[] q : queries) {
      assertThat(opened.topK(q, 10)).isEqualTo(hnsw.topK(q, 10));
    }
    HnswItemIndex.verify(file);
    assertThat(ItemIndexes.open(file, OpenOptions.DEFAULTS)).isInstanceOf(HnswItemIndex.class);
    assertThatThrownBy(
            () -> HnswItemIndex.open(file, OpenOptions.DEFAULTS.withExpectedFingerprint("b")))
        .isInstanceOf(IndexFileException.class)
        .hasMessageContaining("index was built by model 'model-a', bundle is 'b'");
    // The opened graph takes additions too.
    float[][] more = data.next(50);
    ItemIndex grown = opened.add(ClusteredVectors.ids("new-", 50), more);
    for (int i = 0; i < 50; i++) {
      assertThat(grown.topK(more[i], 1).get(0).itemId()).isEqualTo("new-" + i);
    }
  }

  @Test
  void additionsAreFoundAndEarlierInstancesDoNotChange(@TempDir Path dir) throws IOException {
    HnswItemIndex base =
        HnswItemIndex.build(
            ClusteredVectors.ids("b", 2000), data.next(2000), new long[2000], "m", PARAMS);
    float[][] more = data.next(200);
    List<String> newIds = ClusteredVectors.ids("new-", 200);
    HnswItemIndex grown = base.add(newIds, more, new long[200], OnExisting.FAIL);
    assertThat(grown).isNotSameAs(base);
    assertThat(grown.size()).isEqualTo(2200);
    assertThat(base.size()).isEqualTo(2000);
    for (int i = 0; i < 200; i++) {
      ScoredItem top = grown.topK(more[i], 1).get(0);
      assertThat(top.itemId()).isEqualTo("new-" + i);
      assertThat(top.row()).isEqualTo(2000 + i);
      assertThat(base.topK(more[i], 5)).noneMatch(s -> s.itemId().startsWith("new-"));
    }
    assertThatThrownBy(() -> grown.add(List.of("new-3"), new float[][] {more[0]}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("item 'new-3' is already in the index at row 2003");
    // Replacing keeps the row; the earlier instance keeps the old vector.
    float[] moved = data.next();
    HnswItemIndex replaced =
        grown.add(List.of("b5"), new float[][] {moved}, new long[] {77L}, OnExisting.REPLACE);
    assertThat(replaced.size()).isEqualTo(2200);
    assertThat(replaced.rowOf("b5")).hasValue(5);
    assertThat(replaced.vector(5)).isEqualTo(moved);
    assertThat(replaced.textFingerprint(5)).isEqualTo(77L);
    assertThat(grown.vector(5)).isNotEqualTo(moved);
    ScoredItem top = replaced.topK(moved, 1).get(0);
    assertThat(top.itemId()).isEqualTo("b5");
    assertThat(replaced.topK(moved, 50)).extracting(ScoredItem::row).doesNotHaveDuplicates();
    // Retired nodes survive a save.
    Path file = dir.resolve("r.rfhnsw");
    replaced.save(file);
    HnswItemIndex opened = HnswItemIndex.open(file);
    assertThat(opened.vector(5)).isEqualTo(moved);
    assertThat(opened.topK(moved, 50)).isEqualTo(replaced.topK(moved, 50));
  }

  @Test
  void queriesRunWhileItemsAreAdded() throws Exception {
    HnswItemIndex base =
        HnswItemIndex.build(
            ClusteredVectors.ids("c", 3000), data.next(3000), new long[3000], "m", PARAMS);
    float[][] probes = data.next(20);
    List<List<ScoredItem>> expected = new ArrayList<>();
    for (float[] p : probes) {
      expected.add(base.topK(p, 10));
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Boolean>> readers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        readers.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < 50; round++) {
                    for (int i = 0; i < probes.length; i++) {
                      if (!base.topK(probes[i], 10).equals(expected.get(i))) {
                        return false;
                      }
                    }
                  }
                  return true;
                }));
      }
      ItemIndex current = base;
      for (int i = 0; i < 100; i++) {
        current = current.add(List.of("late-" + i), new float[][] {data.next()});
      }
      for (Future<Boolean> r : readers) {
        assertThat(r.get()).isTrue();
      }
      assertThat(current.size()).isEqualTo(3100);
    } finally {
      pool.shutdown();
      assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
    }
  }

  @Test
  void aFlippedByteOrAnotherVersionIsRefused(@TempDir Path dir) throws IOException {
    HnswItemIndex small =
        HnswItemIndex.build(
            ClusteredVectors.ids("f", 500), data.next(500), new long[500], "m", PARAMS);
    Path file = dir.resolve("f.rfhnsw");
    small.save(file);
    byte[] good = Files.readAllBytes(file);
    int[] positions = {20, 100, 500 * DIM * 2, good.length - 40, good.length - 200};
    for (int position : positions) {
      byte[] bad = good.clone();
      bad[position] ^= 0x10;
      Path damaged = dir.resolve("damaged-" + position);
      Files.write(damaged, bad);
      assertThatThrownBy(() -> HnswItemIndex.open(damaged))
          .as("byte %d flipped", position)
          .isInstanceOf(IndexFileException.class)
          .hasMessageStartingWith("item index " + damaged + ":");
      assertThatThrownBy(() -> HnswItemIndex.verify(damaged))
          .isInstanceOf(IndexFileException.class);
    }
    byte[] vectorFlip = good.clone();
    vectorFlip[500 * DIM * 2] ^= 0x10;
    Path vectors = dir.resolve("vectors");
    Files.write(vectors, vectorFlip);
    assertThatThrownBy(() -> HnswItemIndex.open(vectors))
        .isInstanceOf(ChecksumMismatchException.class)
        .hasMessageContaining("checksum mismatch in the vectors section");

    byte[] newer = good.clone();
    ByteBuffer.wrap(newer).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 2);
    Path future = dir.resolve("future");
    Files.write(future, newer);
    assertThatThrownBy(() -> HnswItemIndex.open(future))
        .isInstanceOf(IndexFileException.class)
        .hasMessageContaining("format version 2 is not supported");

    Path truncated = dir.resolve("truncated");
    Files.write(truncated, Arrays.copyOf(good, good.length - 3));
    assertThatThrownBy(() -> HnswItemIndex.open(truncated))
        .isInstanceOf(IndexFileException.class)
        .hasMessageContaining("truncated");

    Path exactFile = dir.resolve("exact.rfidx");
    exact.save(exactFile);
    assertThatThrownBy(() -> HnswItemIndex.open(exactFile))
        .isInstanceOf(IndexFileException.class)
        .hasMessageContaining("not an HNSW index file");
    assertThat(ItemIndexes.open(exactFile, OpenOptions.DEFAULTS))
        .isInstanceOf(ExactItemIndex.class);
  }

  @Test
  void parametersAreValidatedWithTheirNames() {
    assertThatThrownBy(() -> new HnswParameters(1, 100, 100, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConnections (M) must be in [2, 512], was 1");
    assertThatThrownBy(() -> new HnswParameters(16, 8, 100, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("beamWidth (efConstruction) must be in [maxConnections = 16, 4096], was 8");
    assertThatThrownBy(() -> HnswParameters.DEFAULTS.withEfSearch(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("efSearch must be in [1, 100000], was 0");
  }
}
