package io.recformer.infer.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format version 2 of the index file (text fingerprints), reading version 1, full verification, and
 * cold-start additions to a mapped index that never copy the mapped vectors.
 */
class IndexFileVersionTest {

  @TempDir Path dir;

  private static final int N = 200;
  private static final int DIM = 11;

  private static long[] texts(int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = 0x9E3779B97F4A7C15L * (i + 1);
    }
    return out;
  }

  private Path saved() throws IOException {
    Path file = dir.resolve("items.rfidx");
    ExactItemIndex.build(BruteForce.ids(N, "id-"), BruteForce.gaussian(N, DIM, 5), texts(N), "m")
        .save(file);
    return file;
  }

  @Test
  void textFingerprintsRoundTripAndFollowAdditions() throws IOException {
    ExactItemIndex opened = ExactItemIndex.open(saved());
    long[] expected = texts(N);
    for (int row = 0; row < N; row++) {
      assertThat(opened.textFingerprint(row)).isEqualTo(expected[row]);
    }
    ExactItemIndex grown =
        opened.add(
            List.of("id-7", "new"),
            BruteForce.gaussian(2, DIM, 6),
            new long[] {42, 43},
            ItemIndex.OnExisting.REPLACE);
    assertThat(grown.textFingerprint(7)).isEqualTo(42);
    assertThat(grown.textFingerprint(N)).isEqualTo(43);
    assertThat(opened.textFingerprint(7)).isEqualTo(expected[7]);
    Path again = dir.resolve("again.rfidx");
    grown.save(again);
    ExactItemIndex reopened = ExactItemIndex.open(again);
    assertThat(reopened.textFingerprint(7)).isEqualTo(42);
    assertThat(reopened.textFingerprint(N)).isEqualTo(43);
    assertThat(reopened.textFingerprint(8)).isEqualTo(expected[8]);
  }

  /** A version-1 file (no text fingerprints, 16-byte trailer) is still read: fingerprints are 0. */
  @Test
  void versionOneFilesAreStillRead() throws IOException {
    Path file = saved();
    byte[] v2 = Files.readAllBytes(file);
    ByteBuffer header = ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN);
    long textOffset = header.getLong(32) + header.getLong(40);
    int trailer = (int) (textOffset + (long) N * Long.BYTES);
    byte[] v1 = Arrays.copyOf(v2, (int) textOffset + 16);
    ByteBuffer out = ByteBuffer.wrap(v1).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(8, 1);
    CRC32C headerCrc = new CRC32C();
    headerCrc.update(v1, 0, (int) header.getLong(24));
    out.putInt((int) textOffset, (int) headerCrc.getValue());
    out.putInt((int) textOffset + 4, header.getInt(trailer + 4));
    out.putInt((int) textOffset + 8, header.getInt(trailer + 8));
    out.put((int) textOffset + 12, IndexLayout.END);
    Path old = dir.resolve("v1.rfidx");
    Files.write(old, v1);

    ExactItemIndex modern = ExactItemIndex.open(file);
    ExactItemIndex legacy = ExactItemIndex.open(old);
    assertThat(legacy.size()).isEqualTo(N);
    assertThat(legacy.textFingerprint(3)).isZero();
    float[] query = BruteForce.gaussian(1, DIM, 9)[0];
    assertThat(legacy.topK(query, 10)).isEqualTo(modern.topK(query, 10));
    ExactItemIndex.verify(old);
  }

  @Test
  void verifyNamesTheFileTheSectionAndBothChecksums() throws IOException {
    Path file = saved();
    ExactItemIndex.verify(file);
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long vectorsOffset = header.getLong(24);
    long textOffset = header.getLong(32) + header.getLong(40);

    byte[] vectors = bytes.clone();
    vectors[(int) vectorsOffset + 5 * DIM * Float.BYTES + 2] ^= 0x01;
    Path badVectors = dir.resolve("vectors.rfidx");
    Files.write(badVectors, vectors);
    // A fast open does not read the vectors; verify does.
    assertThat(ExactItemIndex.open(badVectors, OpenOptions.DEFAULTS.withVerify(false)).size())
        .isEqualTo(N);
    assertThatThrownBy(() -> ExactItemIndex.verify(badVectors))
        .isInstanceOfSatisfying(
            ChecksumMismatchException.class,
            e -> {
              assertThat(e.file()).isEqualTo(badVectors);
              assertThat(e.section()).isEqualTo("vectors");
              assertThat(e.expected()).isNotEqualTo(e.actual()).hasSize(8);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "item index "
                          + badVectors
                          + ": checksum mismatch in the vectors section: expected "
                          + e.expected()
                          + ", actual "
                          + e.actual()
                          + "; the file is corrupted");
            });

    byte[] texts = bytes.clone();
    texts[(int) textOffset + 17] ^= 0x40;
    Path badTexts = dir.resolve("texts.rfidx");
    Files.write(badTexts, texts);
    assertThatThrownBy(() -> ExactItemIndex.open(badTexts, OpenOptions.DEFAULTS.withVerify(false)))
        .isInstanceOf(ChecksumMismatchException.class)
        .hasMessageContaining("checksum mismatch in the text fingerprints section");
    assertThatThrownBy(() -> ExactItemIndex.verify(badTexts))
        .isInstanceOf(ChecksumMismatchException.class);
  }

  /**
   * Many single-item additions to a mapped index (past the segment limit) merge only the added heap
   * segments: the mapped base stays mapped and in one piece, and results stay exact.
   */
  @Test
  void coldStartAdditionsNeverCopyAMappedBase() throws IOException {
    Path file = saved();
    ExactItemIndex opened = ExactItemIndex.open(file, OpenOptions.DEFAULTS.withVerify(false));
    float[][] base = new float[N][];
    for (int row = 0; row < N; row++) {
      base[row] = opened.vector(row);
    }
    int additions = VectorStore.MAX_SEGMENTS + 100;
    float[][] extra = BruteForce.gaussian(additions, DIM, 12);
    ItemIndex grown = opened;
    for (int i = 0; i < additions; i++) {
      grown = grown.add(List.of("cold-" + i), new float[][] {extra[i]});
    }
    ExactItemIndex exact = (ExactItemIndex) grown;
    VectorStore store = exact.store();
    assertThat(store.segmentCount()).isLessThanOrEqualTo(VectorStore.MAX_SEGMENTS);
    assertThat(store.segment(0).isMapped()).isTrue();
    assertThat(store.segment(0).rows).isEqualTo(N);
    for (int s = 1; s < store.segmentCount(); s++) {
      assertThat(store.segment(s).isMapped()).isFalse();
    }
    float[][] all = new float[N + additions][];
    System.arraycopy(base, 0, all, 0, N);
    for (int i = 0; i < additions; i++) {
      all[N + i] = exact.vector(N + i);
      assertThat(exact.itemId(N + i)).isEqualTo("cold-" + i);
    }
    float[] query = BruteForce.gaussian(1, DIM, 13)[0];
    List<BruteForce.Scored> oracle = BruteForce.ranking(all, query, row -> true);
    List<ScoredItem> top = exact.topK(query, 25);
    for (int i = 0; i < 25; i++) {
      assertThat((double) top.get(i).score()).isCloseTo(oracle.get(i).score(), within(1e-5));
      assertThat((double) top.get(i).score())
          .isCloseTo(BruteForce.cosine(query, all[top.get(i).row()]), within(1e-5));
    }
  }
}
