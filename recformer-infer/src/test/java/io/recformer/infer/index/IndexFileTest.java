package io.recformer.infer.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexFileTest {

  @TempDir Path dir;

  private static final int N = 300;
  private static final int DIM = 13;

  private ExactItemIndex sample() {
    List<String> ids = BruteForce.ids(N, "itém-");
    return ExactItemIndex.build(ids, BruteForce.gaussian(N, DIM, 77), "bundle-sha256:abc");
  }

  private Path saved() throws IOException {
    Path file = dir.resolve("items.rfidx");
    sample().save(file);
    return file;
  }

  @Test
  void roundTripKeepsVectorsBitIdenticalAndResultsEqual() throws IOException {
    ExactItemIndex original = sample();
    Path file = dir.resolve("sub/items.rfidx");
    original.save(file);
    try (var files = Files.list(file.getParent())) {
      assertThat(files).containsExactly(file); // atomic write leaves no temporary file
    }
    ExactItemIndex loaded = ExactItemIndex.open(file);
    assertThat(loaded.isMemoryMapped()).isTrue();
    assertThat(loaded.size()).isEqualTo(N);
    assertThat(loaded.dimension()).isEqualTo(DIM);
    assertThat(loaded.fingerprint()).isEqualTo("bundle-sha256:abc");
    for (int row = 0; row < N; row++) {
      assertThat(loaded.itemId(row)).isEqualTo(original.itemId(row));
      int[] expected = bits(original.vector(row));
      assertThat(bits(loaded.vector(row))).as("row %d", row).isEqualTo(expected);
    }
    assertThat(loaded.rowOf("itém-17")).hasValue(17);
    float[][] queries = BruteForce.gaussian(10, DIM, 78);
    for (int threads : new int[] {1, 2}) {
      QueryOptions options =
          QueryOptions.DEFAULTS.withThreads(threads).withExcludedIds(List.of("itém-3"));
      assertThat(loaded.topK(queries, 12, options)).isEqualTo(original.topK(queries, 12, options));
    }
    // Saving the loaded (mapped) index again gives the same bytes.
    Path again = dir.resolve("again.rfidx");
    loaded.save(again);
    assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(file));
  }

  @Test
  void mappedSegmentsAndColdStartOnAMappedIndex() throws IOException {
    Path file = saved();
    ExactItemIndex whole = ExactItemIndex.open(file);
    // 40 rows per mapping: the reader splits the vector section into 8 segments.
    ExactItemIndex split = IndexFile.read(file, null, true, 40L * DIM * Float.BYTES);
    assertThat(split.store().segmentCount()).isEqualTo(8);
    float[][] queries = BruteForce.gaussian(7, DIM, 79);
    for (int threads : new int[] {1, 3}) {
      QueryOptions options = QueryOptions.DEFAULTS.withThreads(threads);
      assertThat(split.topK(queries, 30, options)).isEqualTo(whole.topK(queries, 30, options));
    }
    float[][] added = BruteForce.gaussian(5, DIM, 80);
    ExactItemIndex grown =
        split
            .withAdded(BruteForce.ids(5, "cold-"), added)
            .withAdded(List.of("itém-45"), new float[][] {added[0]}, ItemIndex.OnExisting.REPLACE);
    assertThat(grown.size()).isEqualTo(N + 5);
    assertThat(grown.vector(45)).containsExactly(grown.vector(N));
    assertThat(grown.vector(44)).containsExactly(whole.vector(44));
    assertThat(grown.vector(46)).containsExactly(whole.vector(46));
    assertThat(grown.topK(added[0], 2))
        .extracting(ScoredItem::itemId)
        .containsExactly("itém-45", "cold-0");
    Path grownFile = dir.resolve("grown.rfidx");
    grown.save(grownFile);
    ExactItemIndex reopened = ExactItemIndex.open(grownFile);
    assertThat(reopened.topK(queries, 30, QueryOptions.DEFAULTS))
        .isEqualTo(grown.topK(queries, 30, QueryOptions.DEFAULTS));
  }

  @Test
  void vectorsReadIntoTheHeapEqualTheMappedOnesAndAreVerified() throws IOException {
    ExactItemIndex built = sample();
    Path file = saved();
    ExactItemIndex mapped = ExactItemIndex.open(file);
    ExactItemIndex inHeap = ExactItemIndex.open(file, OpenOptions.DEFAULTS.withVectorsInHeap(true));
    assertThat(mapped.isMemoryMapped()).isTrue();
    assertThat(inHeap.isMemoryMapped()).isFalse();
    // 40-row segments read 100 bytes at a time: reads end inside rows and floats never split.
    ExactItemIndex pieces = IndexFile.read(file, null, true, 40L * DIM * Float.BYTES, true, 100);
    assertThat(pieces.store().segmentCount()).isEqualTo(8);
    assertThat(pieces.isMemoryMapped()).isFalse();
    for (int row : new int[] {0, 39, 40, 151, N - 1}) {
      assertThat(pieces.vector(row)).containsExactly(built.vector(row));
      assertThat(inHeap.vector(row)).containsExactly(built.vector(row));
    }
    float[][] queries = BruteForce.gaussian(6, DIM, 82);
    for (int threads : new int[] {1, 2}) {
      QueryOptions options = QueryOptions.DEFAULTS.withThreads(threads);
      List<List<ScoredItem>> expected = built.topK(queries, 20, options);
      assertThat(mapped.topK(queries, 20, options)).isEqualTo(expected);
      assertThat(inHeap.topK(queries, 20, options)).isEqualTo(expected);
      assertThat(pieces.topK(queries, 20, options)).isEqualTo(expected);
      assertThat(pieces.topK(queries[2], 20, options))
          .isEqualTo(built.topK(queries[2], 20, options));
    }

    byte[] bytes = Files.readAllBytes(file);
    long vectorsOffset = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(24);
    bytes[(int) vectorsOffset + 2 * DIM * Float.BYTES + 3] ^= 0x20;
    Path bad = write("bad-heap.rfidx", bytes);
    assertThatThrownBy(() -> IndexFile.read(bad, null, true, 40L * DIM * Float.BYTES, true, 100))
        .isInstanceOf(IndexFileException.class)
        .hasMessageStartingWith(
            "item index " + bad + ": checksum mismatch in the vectors section: expected ");
    assertThatThrownBy(() -> IndexFile.read(file, null, true, 40L * DIM * Float.BYTES, true, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("readChunkBytes must be >= 4, was 3");
  }

  @Test
  void mappedIndexScoresBitIdenticallyToHeapWithEveryKernel() throws IOException {
    ExactItemIndex heap = sample();
    Path file = dir.resolve("kernels.rfidx");
    heap.save(file);
    ExactItemIndex mapped = IndexFile.read(file, null, true, 70L * DIM * Float.BYTES); // 5 segments
    float[][] queries = BruteForce.gaussian(9, DIM, 81);
    List<Kernel> kernels = new ArrayList<>(List.of(new ScalarKernel()));
    if (Kernel.vectorOrNull() != null) {
      kernels.add(Kernel.vectorOrNull());
    }
    for (Kernel kernel : kernels) {
      ExactItemIndex h = heap.withKernel(kernel);
      ExactItemIndex m = mapped.withKernel(kernel);
      for (int threads : new int[] {1, 2}) {
        QueryOptions options = QueryOptions.DEFAULTS.withThreads(threads);
        assertThat(m.topK(queries, 25, options))
            .as(kernel.name())
            .isEqualTo(h.topK(queries, 25, options));
        assertThat(m.topK(queries[4], 25, options))
            .as(kernel.name())
            .isEqualTo(h.topK(queries[4], 25, options));
      }
    }
  }

  @Test
  void idsOfAnOpenedFileResolveBothWaysAndSurviveManyAdditions() throws IOException {
    int n = 5000;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(
          i % 3 == 0
              ? "Ürün-" + i + "-日本"
              : "B0" + Integer.toString(i * 7919, 36).toUpperCase(Locale.ROOT));
    }
    Path file = dir.resolve("ids.rfidx");
    ExactItemIndex.build(ids, BruteForce.gaussian(n, 4, 90), "m").save(file);
    ExactItemIndex opened = ExactItemIndex.open(file);
    for (int row = 0; row < n; row++) {
      assertThat(opened.itemId(row)).isEqualTo(ids.get(row));
      assertThat(opened.rowOf(ids.get(row))).hasValue(row);
    }
    assertThat(opened.rowOf("B0-never")).isEmpty();
    assertThat(opened.rowOf("Ürün-1-日本")).isEmpty();
    ExactItemIndex grown = opened;
    float[][] extra = BruteForce.gaussian(20, 4, 91);
    for (int i = 0; i < 20; i++) {
      grown = grown.withAdded(List.of("new-" + i), new float[][] {extra[i]});
    }
    assertThat(grown.ids().depth()).isLessThanOrEqualTo(IdTable.MAX_DEPTH);
    assertThat(grown.rowOf("new-13")).hasValue(n + 13);
    assertThat(grown.rowOf(ids.get(4321))).hasValue(4321);
    assertThat(grown.itemId(n + 19)).isEqualTo("new-19");
    assertThatThrownBy(() -> opened.withAdded(List.of(ids.get(3)), new float[][] {extra[0]}))
        .hasMessage(
            "item '"
                + ids.get(3)
                + "' is already in the index at row 3; pass OnExisting.REPLACE to replace its"
                + " vector");
  }

  @Test
  void emptyIndexRoundTrips() throws IOException {
    ExactItemIndex empty = ExactItemIndex.build(List.of(), new float[0], 4, "");
    Path file = dir.resolve("empty.rfidx");
    empty.save(file);
    ExactItemIndex loaded = ExactItemIndex.open(file);
    assertThat(loaded.size()).isZero();
    assertThat(loaded.dimension()).isEqualTo(4);
    assertThat(loaded.topK(new float[] {1, 2, 3, 4}, 5)).isEmpty();
  }

  @Test
  void fingerprintOfAnotherModelIsRefused() throws IOException {
    Path file = saved();
    assertThat(
            ExactItemIndex.open(
                    file, OpenOptions.DEFAULTS.withExpectedFingerprint("bundle-sha256:abc"))
                .size())
        .isEqualTo(N);
    assertThatThrownBy(
            () ->
                ExactItemIndex.open(
                    file, OpenOptions.DEFAULTS.withExpectedFingerprint("bundle-sha256:def")))
        .isInstanceOf(IndexFileException.class)
        .hasMessage(
            "item index "
                + file
                + ": index was built by model 'bundle-sha256:abc', bundle is"
                + " 'bundle-sha256:def'; rebuild the index with this bundle");
  }

  @Test
  void truncatedFilesAreRejected() throws IOException {
    Path file = saved();
    byte[] bytes = Files.readAllBytes(file);
    Path cut = write("cut.rfidx", Arrays.copyOf(bytes, bytes.length - 100));
    assertThatThrownBy(() -> ExactItemIndex.open(cut))
        .isInstanceOf(IndexFileException.class)
        .hasMessage(
            "item index "
                + cut
                + ": file is truncated: "
                + (bytes.length - 100)
                + " bytes, the header"
                + " (count 300, dimension 13) requires "
                + bytes.length)
        .satisfies(e -> assertThat(((IndexFileException) e).file()).isEqualTo(cut));
    Path tiny = write("tiny.rfidx", Arrays.copyOf(bytes, 20));
    assertThatThrownBy(() -> ExactItemIndex.open(tiny))
        .isInstanceOf(IndexFileException.class)
        .hasMessage(
            "item index " + tiny + ": file is truncated: 20 bytes, an index file has at least 68");
    Path missing = dir.resolve("missing.rfidx");
    assertThatThrownBy(() -> ExactItemIndex.open(missing))
        .isInstanceOf(IndexFileException.class)
        .hasMessage("item index " + missing + ": file does not exist");
  }

  @Test
  void badMagicAndUnknownVersionAreRejected() throws IOException {
    byte[] bytes = Files.readAllBytes(saved());
    byte[] magic = bytes.clone();
    magic[0] = 'P';
    Path badMagic = write("magic.rfidx", magic);
    assertThatThrownBy(() -> ExactItemIndex.open(badMagic))
        .isInstanceOf(IndexFileException.class)
        .hasMessage(
            "item index "
                + badMagic
                + ": bad magic bytes 50464944580d0a1a, expected 52464944580d0a1a"
                + ": not an item index file");
    byte[] version = bytes.clone();
    ByteBuffer.wrap(version).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 3);
    Path badVersion = write("version.rfidx", version);
    assertThatThrownBy(() -> ExactItemIndex.open(badVersion))
        .isInstanceOf(IndexFileException.class)
        .hasMessage(
            "item index "
                + badVersion
                + ": format version 3 is not supported; this library reads versions 1 to 2"
                + " (written by a newer library?)");
  }

  @Test
  void countOrDimensionInconsistentWithFileSizeIsRejected() throws IOException {
    byte[] bytes = Files.readAllBytes(saved());
    // count 301 with the ids offset moved along: the sections no longer fit the file
    byte[] count = bytes.clone();
    ByteBuffer header = ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN);
    long vectorsOffset = header.getLong(24);
    header.putLong(16, 301).putLong(32, vectorsOffset + 301L * DIM * 4);
    Path badCount = write("count.rfidx", count);
    assertThatThrownBy(() -> ExactItemIndex.open(badCount))
        .isInstanceOf(IndexFileException.class)
        .hasMessageStartingWith(
            "item index "
                + badCount
                + ": file is truncated: "
                + bytes.length
                + " bytes, the header (count 301, dimension 13) requires "
                + (bytes.length + DIM * 4 + Long.BYTES));
    // dimension 12 with the offsets untouched: the header contradicts itself
    byte[] dim = bytes.clone();
    ByteBuffer.wrap(dim).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 12);
    Path badDim = write("dim.rfidx", dim);
    assertThatThrownBy(() -> ExactItemIndex.open(badDim))
        .isInstanceOf(IndexFileException.class)
        .hasMessage(
            "item index "
                + badDim
                + ": header is inconsistent: count 300 x dimension 12 needs 14400 vector"
                + " bytes, so ids should start at "
                + (vectorsOffset + 14400)
                + ", header says "
                + (vectorsOffset + 300 * DIM * 4));
    // dimension 12 and a consistent ids offset: now the file is longer than the header says
    ByteBuffer.wrap(dim).order(ByteOrder.LITTLE_ENDIAN).putLong(32, vectorsOffset + 14400);
    Path longer = write("longer.rfidx", dim);
    assertThatThrownBy(() -> ExactItemIndex.open(longer))
        .isInstanceOf(IndexFileException.class)
        .hasMessageContaining(
            "file has "
                + bytes.length
                + " bytes but the header (count 300, dimension 12) requires"
                + " exactly "
                + (bytes.length - 300 * 4)
                + "; count or dimension is inconsistent with the file size");
    byte[] zeroDim = bytes.clone();
    ByteBuffer.wrap(zeroDim).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 0);
    Path zero = write("zero.rfidx", zeroDim);
    assertThatThrownBy(() -> ExactItemIndex.open(zero))
        .hasMessage(
            "item index " + zero + ": header field dimension is 0, must be in [1, 1048576]");
  }

  @Test
  void checksumMismatchesAreRejectedPerSection() throws IOException {
    Path file = saved();
    byte[] bytes = Files.readAllBytes(file);
    long vectorsOffset = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(24);
    long idsOffset = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(32);

    byte[] vectors = bytes.clone();
    vectors[(int) vectorsOffset + 1001] ^= 0x10;
    Path badVectors = write("vectors.rfidx", vectors);
    assertThatThrownBy(() -> ExactItemIndex.open(badVectors))
        .isInstanceOf(IndexFileException.class)
        .hasMessageStartingWith(
            "item index " + badVectors + ": checksum mismatch in the vectors section: expected ")
        .hasMessageEndingWith("; the file is corrupted");
    // Skipping the vector checksum opens the file (structure and sizes are still checked).
    ExactItemIndex unverified =
        ExactItemIndex.open(badVectors, OpenOptions.DEFAULTS.withVerify(false));
    assertThat(unverified.size()).isEqualTo(N);

    byte[] ids = bytes.clone();
    ids[(int) idsOffset + 6] ^= 0x01;
    Path badIds = write("ids.rfidx", ids);
    assertThatThrownBy(() -> ExactItemIndex.open(badIds, OpenOptions.DEFAULTS.withVerify(false)))
        .isInstanceOf(IndexFileException.class)
        .hasMessageStartingWith("item index " + badIds + ": checksum mismatch in the ids section");

    byte[] fingerprint = bytes.clone();
    fingerprint[IndexFile.FIXED_HEADER] = 'B';
    Path badHeader = write("header.rfidx", fingerprint);
    assertThatThrownBy(() -> ExactItemIndex.open(badHeader, OpenOptions.DEFAULTS.withVerify(false)))
        .isInstanceOf(IndexFileException.class)
        .hasMessageStartingWith(
            "item index " + badHeader + ": checksum mismatch in the header section");

    byte[] end = bytes.clone();
    end[end.length - 1] = 'X';
    Path badEnd = write("end.rfidx", end);
    assertThatThrownBy(() -> ExactItemIndex.open(badEnd))
        .isInstanceOf(IndexFileException.class)
        .hasMessage(
            "item index "
                + badEnd
                + ": bad end marker 49454e58, expected 49454e44: file is truncated or corrupted");
  }

  @Test
  void structurallyBrokenIdsAreRejectedEvenWithValidChecksums() throws IOException {
    // Two items with the same id, written with correct checksums: the reader must still refuse.
    byte[] bytes = Files.readAllBytes(saveTwo("a", "b"));
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long idsOffset = buffer.getLong(32);
    bytes[(int) idsOffset + 4 + 1 + 4] = 'a'; // second id "b" -> "a"
    fixIdsCrc(bytes);
    Path dup = write("dup.rfidx", bytes);
    assertThatThrownBy(() -> ExactItemIndex.open(dup))
        .isInstanceOf(IndexFileException.class)
        .hasMessage("item index " + dup + ": ids section: duplicate item id 'a' at rows 0 and 1");

    byte[] utf = Files.readAllBytes(saveTwo("a", "b"));
    utf[(int) idsOffset + 4 + 1 + 4] = (byte) 0xC3; // a lone lead byte
    fixIdsCrc(utf);
    Path badUtf = write("utf.rfidx", utf);
    assertThatThrownBy(() -> ExactItemIndex.open(badUtf))
        .isInstanceOf(IndexFileException.class)
        .hasMessage("item index " + badUtf + ": ids section: id 1 is not valid UTF-8");
  }

  private Path saveTwo(String first, String second) throws IOException {
    Path file = dir.resolve("two-" + first + second + ".rfidx");
    ExactItemIndex.build(List.of(first, second), new float[][] {{1, 0}, {0, 1}}, "m").save(file);
    return file;
  }

  private static void fixIdsCrc(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long idsOffset = buffer.getLong(32);
    long idsLength = buffer.getLong(40);
    long count = buffer.getLong(16);
    CRC32C crc = new CRC32C();
    crc.update(bytes, (int) idsOffset, (int) idsLength);
    // version 2: the text fingerprints (8 bytes per row) follow the ids, then the trailer
    buffer.putInt((int) (idsOffset + idsLength + count * Long.BYTES + 8), (int) crc.getValue());
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    return file;
  }

  private static int[] bits(float[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Float.floatToRawIntBits(values[i]);
    }
    return out;
  }
}
