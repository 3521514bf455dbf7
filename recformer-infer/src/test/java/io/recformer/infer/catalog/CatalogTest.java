package io.recformer.infer.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.recformer.core.item.Item;
import io.recformer.infer.index.ExactItemIndex;
import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.ItemIndex.OnExisting;
import io.recformer.infer.index.OpenOptions;
import io.recformer.infer.index.ScoredItem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog directory: durable additions, replay, checkpoints, damage and crash leftovers. */
class CatalogTest {

  @TempDir Path temp;

  private final List<Item> base = Fixtures.items("b", 30);

  private Catalog create(Path dir) throws IOException {
    return Catalog.create(dir, Fixtures.store(base), Fixtures.index(base));
  }

  private static void add(Catalog catalog, List<Item> items) throws IOException {
    catalog.add(items, Fixtures.vectors(items), Fixtures.texts(items), OnExisting.FAIL);
  }

  private static void assertHolds(Catalog catalog, List<Item> items) {
    for (Item item : items) {
      assertThat(catalog.item(item.id())).as(item.id()).contains(item);
      int row = catalog.index().rowOf(item.id()).orElseThrow();
      assertThat(Fixtures.cosine(catalog.index().vector(row), Fixtures.vector(item.id())))
          .isCloseTo(1.0, within(1e-6));
    }
  }

  @Test
  void additionsSurviveAReopenAndACheckpoint() throws IOException {
    Path dir = temp.resolve("c");
    List<Item> first = Fixtures.items("n", 5);
    List<Item> second = Fixtures.items("m", 3);
    float[] query = Fixtures.vector("n2");
    List<ScoredItem> before;
    try (Catalog catalog = create(dir)) {
      assertThat(catalog.generation()).isEqualTo(1);
      add(catalog, first);
      add(catalog, second);
      assertThat(catalog.size()).isEqualTo(38);
      before = catalog.index().topK(query, 10);
    }
    try (Catalog reopened = Catalog.open(dir, OpenOptions.DEFAULTS)) {
      assertThat(reopened.size()).isEqualTo(38);
      assertHolds(reopened, base);
      assertHolds(reopened, first);
      assertHolds(reopened, second);
      // The replay normalizes the logged vectors exactly as the first addition did: same scores.
      assertThat(reopened.index().topK(query, 10)).isEqualTo(before);
      reopened.checkpoint();
      assertThat(reopened.generation()).isEqualTo(2);
      assertThat(((ExactItemIndex) reopened.index()).isMemoryMapped()).isTrue();
      assertThat(reopened.index().topK(query, 10)).isEqualTo(before);
      add(reopened, List.of(Fixtures.item("after")));
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "catalog.json", "catalog.lock", "index-2.rfidx", "items-2.rfitems", "delta-2.rflog");
    }
    try (Catalog again = Catalog.open(dir, OpenOptions.DEFAULTS)) {
      assertThat(again.size()).isEqualTo(39);
      assertHolds(again, List.of(Fixtures.item("after")));
      assertThat(again.index().topK(query, 10)).isEqualTo(before);
      again.verify();
    }
  }

  @Test
  void replacedTextIsLoggedAndWinsOnReplay() throws IOException {
    Path dir = temp.resolve("c");
    Item changed = Item.of("b3", "title", "a new title");
    try (Catalog catalog = create(dir)) {
      catalog.add(
          List.of(changed),
          new float[][] {Fixtures.vector("other")},
          Fixtures.texts(List.of(changed)),
          OnExisting.REPLACE);
    }
    try (Catalog reopened = Catalog.open(dir, OpenOptions.DEFAULTS)) {
      assertThat(reopened.size()).isEqualTo(30);
      assertThat(reopened.item("b3")).contains(changed);
      int row = reopened.index().rowOf("b3").orElseThrow();
      assertThat(row).isEqualTo(3);
      assertThat(Fixtures.cosine(reopened.index().vector(row), Fixtures.vector("other")))
          .isCloseTo(1.0, within(1e-6));
      assertThat(reopened.index().textFingerprint(row))
          .isEqualTo(TextFingerprint.of(changed, Fixtures.MAX_ATTRIBUTES));
    }
  }

  @Test
  void rejectedAdditionsLeaveNoTrace() throws IOException {
    Path dir = temp.resolve("c");
    try (Catalog catalog = create(dir)) {
      List<Item> duplicate = List.of(Fixtures.item("x"), Fixtures.item("b1"));
      assertThatThrownBy(() -> add(catalog, duplicate))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("item 'b1' is already in the index at row 1");
      Item bad = Fixtures.item("zero");
      assertThatThrownBy(
              () ->
                  catalog.add(
                      List.of(bad),
                      new float[][] {new float[Fixtures.DIM]},
                      new long[1],
                      OnExisting.FAIL))
          .hasMessageContaining("all zeros");
      assertThat(catalog.size()).isEqualTo(30);
      assertThat(catalog.item("x")).isEmpty();
    }
    try (Catalog reopened = Catalog.open(dir, OpenOptions.DEFAULTS)) {
      assertThat(reopened.size()).isEqualTo(30);
    }
  }

  /** A last record cut anywhere (a crash mid-append) is dropped; earlier ones are kept. */
  @Test
  void aTornLastRecordIsDroppedWhereverItWasCut() throws IOException {
    Path dir = temp.resolve("c");
    try (Catalog catalog = create(dir)) {
      add(catalog, Fixtures.items("kept", 2));
      add(catalog, Fixtures.items("torn", 3));
    }
    Path delta = dir.resolve("delta-1.rflog");
    byte[] full = Files.readAllBytes(delta);
    int lastStart = lastRecordStart(full);
    for (int cut = lastStart;
        cut < full.length;
        cut += Math.max(1, (full.length - lastStart) / 23)) {
      Files.write(delta, Arrays.copyOf(full, cut));
      try (Catalog reopened = Catalog.open(dir, OpenOptions.DEFAULTS)) {
        assertThat(reopened.size()).as("cut at %d", cut).isEqualTo(32);
        assertHolds(reopened, Fixtures.items("kept", 2));
        assertThat(reopened.item("torn0")).isEmpty();
      }
      assertThat(Files.size(delta)).as("cut off").isEqualTo(lastStart);
    }
    // The whole last record with its payload damaged: also torn (it was the last write).
    byte[] damaged = full.clone();
    damaged[full.length - 3] ^= 0x55;
    Files.write(delta, damaged);
    try (Catalog reopened = Catalog.open(dir, OpenOptions.DEFAULTS)) {
      assertThat(reopened.size()).isEqualTo(32);
    }
  }

  /** Damage inside an acknowledged record followed by another record is an error, not a cut. */
  @Test
  void aDamagedRecordBeforeAnIntactOneFailsTheOpen() throws IOException {
    Path dir = temp.resolve("c");
    try (Catalog catalog = create(dir)) {
      add(catalog, Fixtures.items("one", 2));
      add(catalog, Fixtures.items("two", 2));
    }
    Path delta = dir.resolve("delta-1.rflog");
    byte[] bytes = Files.readAllBytes(delta);
    bytes[DeltaLog.HEADER + 30] ^= 0x01;
    Files.write(delta, bytes);
    assertThatThrownBy(() -> Catalog.open(dir, OpenOptions.DEFAULTS))
        .isInstanceOf(CatalogFileException.class)
        .hasMessageStartingWith("delta log " + delta + ": the record at byte 20 is damaged")
        .hasMessageContaining("payload checksum: expected ")
        .hasMessageContaining("acknowledged additions were corrupted");
  }

  @Test
  void itemTextIsReadOnDemandAndItsDamageIsNamed() throws IOException {
    Path dir = temp.resolve("c");
    create(dir).close();
    Path items = dir.resolve("items-1.rfitems");
    byte[] bytes = Files.readAllBytes(items);
    long record5;
    try (ItemFile file = ItemFile.open(items)) {
      assertThat(file.item(5, "b5")).isEqualTo(base.get(5));
      record5 = offset(bytes, file.size(), 5);
    }
    bytes[(int) record5 + 9] ^= 0x20;
    Files.write(items, bytes);
    // The open reads only the table; the damaged record is found when it is read.
    try (Catalog catalog = Catalog.open(dir, OpenOptions.DEFAULTS)) {
      assertThat(catalog.item("b4")).contains(base.get(4));
      assertThatThrownBy(() -> catalog.item("b5"))
          .isInstanceOf(UncheckedIOException.class)
          .cause()
          .isInstanceOf(CatalogFileException.class)
          .hasMessageStartingWith(
              "item file " + items + ": checksum mismatch in record 5: expected ");
      assertThatThrownBy(catalog::verify)
          .isInstanceOf(CatalogFileException.class)
          .hasMessageContaining("record 5");
    }
  }

  @Test
  void leftoversOfACrashedCheckpointAreDeletedAndTheDirectoryIsLocked() throws IOException {
    Path dir = temp.resolve("c");
    try (Catalog catalog = create(dir)) {
      add(catalog, Fixtures.items("n", 2));
      assertThatThrownBy(() -> Catalog.open(dir, OpenOptions.DEFAULTS))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is already open");
    }
    // A checkpoint that wrote generation 2 but crashed before committing it.
    Files.write(dir.resolve("index-2.rfidx"), new byte[] {1, 2, 3});
    Files.write(dir.resolve("items-2.rfitems"), new byte[] {1});
    Files.write(dir.resolve(".delta-2.rflog.123.tmp"), new byte[] {1});
    Files.write(dir.resolve("notes.txt"), new byte[] {1});
    try (Catalog reopened = Catalog.open(dir, OpenOptions.DEFAULTS)) {
      assertThat(reopened.generation()).isEqualTo(1);
      assertThat(reopened.size()).isEqualTo(32);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "catalog.json",
              "catalog.lock",
              "index-1.rfidx",
              "items-1.rfitems",
              "delta-1.rflog",
              "notes.txt");
    }
  }

  @Test
  void aDirectoryThatIsNotACatalogOrFromAnotherModelIsRefused() throws IOException {
    Path empty = Files.createDirectories(temp.resolve("empty"));
    assertThatThrownBy(() -> Catalog.open(empty, OpenOptions.DEFAULTS))
        .isInstanceOf(CatalogFileException.class)
        .hasMessage("catalog " + empty + ": no catalog.json: not a catalog directory");
    Path dir = temp.resolve("c");
    create(dir).close();
    assertThatThrownBy(
            () -> Catalog.open(dir, OpenOptions.DEFAULTS.withExpectedFingerprint("sha256:other")))
        .hasMessageContaining("index was built by model 'sha256:test-model', bundle is");
    assertThatThrownBy(() -> create(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already holds a catalog");
  }

  @Test
  void anInMemoryCatalogTakesAnyIndexAndCannotCheckpoint() throws IOException {
    ItemIndex index = Fixtures.index(base);
    try (Catalog catalog = Catalog.inMemory(Fixtures.store(base), index)) {
      add(catalog, Fixtures.items("n", 1));
      assertThat(catalog.size()).isEqualTo(31);
      assertThat(catalog.item("n0")).contains(Fixtures.item("n0"));
      assertThat(catalog.item("b0")).contains(base.get(0));
      assertThat(index.size()).as("the caller's index is not changed").isEqualTo(30);
      assertThatThrownBy(catalog::checkpoint).isInstanceOf(IllegalStateException.class);
    }
  }

  private static int lastRecordStart(byte[] log) {
    ByteBuffer buffer = ByteBuffer.wrap(log).order(ByteOrder.LITTLE_ENDIAN);
    int position = DeltaLog.HEADER;
    int last = position;
    while (position < log.length) {
      last = position;
      position += 12 + buffer.getInt(position);
    }
    return last;
  }

  private static long offset(byte[] file, int count, int row) {
    ByteBuffer buffer = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    long table = buffer.getLong(file.length - ItemFile.TRAILER + 8);
    assertThat(buffer.getLong(file.length - ItemFile.TRAILER)).isEqualTo(count);
    return buffer.getLong((int) (table + (long) row * Long.BYTES));
  }
}
