package io.recformer.infer.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and verifies item index files of format versions 1 and 2 (docs/formats.md, "Item index";
 * the layout is in {@link IndexLayout}, the writer is {@link IndexFileWriter}).
 */
final class IndexFile {

  private static final Logger LOG = LoggerFactory.getLogger(IndexFile.class);

  /**
   * Bytes per read when vectors are loaded into the heap or verified: large enough that a read
   * costs little per byte.
   */
  static final int READ_CHUNK_BYTES = 8 << 20;

  static final int FIXED_HEADER = IndexLayout.FIXED_HEADER;

  private IndexFile() {}

  static long align(long offset) {
    return IndexLayout.align(offset);
  }

  static void write(Path file, ExactItemIndex index) throws IOException {
    IndexFileWriter.write(file, index);
  }

  static ExactItemIndex read(
      Path file, String expectedFingerprint, boolean verifyVectors, long maxSegmentBytes)
      throws IOException {
    return read(file, expectedFingerprint, verifyVectors, maxSegmentBytes, false);
  }

  static ExactItemIndex read(
      Path file,
      String expectedFingerprint,
      boolean verifyVectors,
      long maxSegmentBytes,
      boolean inHeap)
      throws IOException {
    return read(
        file, expectedFingerprint, verifyVectors, maxSegmentBytes, inHeap, READ_CHUNK_BYTES);
  }

  /**
   * Reads an index file: the vectors are memory-mapped, or with {@code inHeap} read into heap
   * arrays {@code readChunkBytes} at a time (segments of at most {@code maxSegmentBytes} either
   * way). The header, ids and text fingerprints are always verified against their checksums, the
   * vectors when {@code verifyVectors} says so.
   */
  static ExactItemIndex read(
      Path file,
      String expectedFingerprint,
      boolean verifyVectors,
      long maxSegmentBytes,
      boolean inHeap,
      int readChunkBytes)
      throws IOException {
    if (readChunkBytes < Float.BYTES) {
      throw new IllegalArgumentException(
          "readChunkBytes must be >= " + Float.BYTES + ", was " + readChunkBytes);
    }
    long start = System.nanoTime();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      IndexLayout layout = IndexLayout.read(channel, file);
      IndexLayout.Trailer trailer = layout.readTrailer(channel, file);
      String fingerprint = readFingerprint(channel, file, layout, trailer);
      if (expectedFingerprint != null && !expectedFingerprint.equals(fingerprint)) {
        throw new IndexFileException(
            file,
            "index was built by model '"
                + fingerprint
                + "', bundle is '"
                + expectedFingerprint
                + "'; rebuild the index with this bundle");
      }
      IdTable ids = readIds(channel, file, layout, trailer);
      TextFingerprints texts = readTexts(channel, file, layout, trailer);

      int dim = layout.dimension();
      long count = layout.count();
      List<VectorStore.Segment> segments = new ArrayList<>();
      long rowBytes = (long) dim * Float.BYTES;
      long rowsPerSegment = Math.max(1, maxSegmentBytes / rowBytes);
      CRC32C crc = verifyVectors ? new CRC32C() : null;
      if (inHeap) {
        rowsPerSegment =
            Math.min(
                rowsPerSegment,
                VectorStore.rowsPerSegment(dim, VectorStore.MAX_HEAP_SEGMENT_FLOATS));
      }
      ByteBuffer chunk =
          inHeap ? ByteBuffer.allocateDirect(readChunkBytes).order(ByteOrder.LITTLE_ENDIAN) : null;
      for (long row = 0; row < count; row += rowsPerSegment) {
        long n = Math.min(rowsPerSegment, count - row);
        long position = layout.vectorsOffset() + row * rowBytes;
        if (inHeap) {
          float[] data = new float[Math.toIntExact(n * dim)];
          readFloats(channel, file, position, data, chunk, crc);
          segments.add(VectorStore.Segment.heap(data, 0, (int) n));
          continue;
        }
        MappedByteBuffer mapped =
            channel.map(FileChannel.MapMode.READ_ONLY, position, n * rowBytes);
        if (crc != null) {
          crc.update(mapped.duplicate());
        }
        segments.add(VectorStore.Segment.mapped(mapped, (int) n));
      }
      if (crc != null) {
        IndexLayout.checkCrc(file, "vectors", trailer.vectors(), (int) crc.getValue());
      }
      ExactItemIndex index =
          new ExactItemIndex(new VectorStore(dim, segments), ids, texts, fingerprint);
      LOG.info(
          "opened item index {} (format {}, {} items x {} dims, {} {} segment(s), vectors {}) in"
              + " {} ms",
          file,
          layout.version(),
          count,
          dim,
          segments.size(),
          inHeap ? "heap" : "mapped",
          verifyVectors ? "verified" : "not verified",
          (System.nanoTime() - start) / 1_000_000);
      return index;
    } catch (NoSuchFileException e) {
      throw new IndexFileException(file, "file does not exist", e);
    }
  }

  /**
   * Reads every byte of the file and checks every section against its checksum, and the file's
   * structure as {@link #read} does; throws {@link ChecksumMismatchException} naming the first
   * damaged section. Reads through a bounded buffer, so verifying a large file needs no heap.
   */
  static void verify(Path file) throws IOException {
    long start = System.nanoTime();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      IndexLayout layout = IndexLayout.read(channel, file);
      IndexLayout.Trailer trailer = layout.readTrailer(channel, file);
      readFingerprint(channel, file, layout, trailer);
      readIds(channel, file, layout, trailer);
      readTexts(channel, file, layout, trailer);
      long length = layout.idsOffset() - layout.vectorsOffset();
      ByteBuffer chunk = ByteBuffer.allocateDirect(READ_CHUNK_BYTES);
      CRC32C crc = new CRC32C();
      for (long done = 0; done < length; ) {
        chunk.clear().limit((int) Math.min(chunk.capacity(), length - done));
        long at = layout.vectorsOffset() + done;
        while (chunk.hasRemaining()) {
          if (channel.read(chunk, at + chunk.position()) < 0) {
            throw new IndexFileException(
                file, "file is truncated: ended at byte " + (at + chunk.position()));
          }
        }
        chunk.flip();
        done += chunk.remaining();
        crc.update(chunk);
      }
      IndexLayout.checkCrc(file, "vectors", trailer.vectors(), (int) crc.getValue());
      LOG.info(
          "verified item index {} ({} MB) in {} ms",
          file,
          layout.fileSize() >> 20,
          (System.nanoTime() - start) / 1_000_000);
    } catch (NoSuchFileException e) {
      throw new IndexFileException(file, "file does not exist", e);
    }
  }

  private static String readFingerprint(
      FileChannel channel, Path file, IndexLayout layout, IndexLayout.Trailer trailer)
      throws IOException {
    ByteBuffer header = IndexLayout.readFully(channel, 0, (int) layout.vectorsOffset(), file);
    IndexLayout.checkCrc(file, "header", header, trailer.header());
    byte[] fingerprintBytes = new byte[layout.fingerprintLength()];
    header.position(FIXED_HEADER);
    header.get(fingerprintBytes);
    return IndexLayout.decode(fingerprintBytes, file, "fingerprint");
  }

  private static IdTable readIds(
      FileChannel channel, Path file, IndexLayout layout, IndexLayout.Trailer trailer)
      throws IOException {
    ByteBuffer idBytes =
        IndexLayout.readFully(channel, layout.idsOffset(), (int) layout.idsLength(), file);
    IndexLayout.checkCrc(file, "ids", idBytes, trailer.ids());
    // readFully allocates a fresh heap buffer, so its whole backing array is the section.
    @SuppressWarnings("ByteBufferBackingArray")
    byte[] idSection = idBytes.array();
    try {
      return IdTable.of(Utf8Ids.parse(idSection, (int) layout.count()));
    } catch (Utf8Ids.Malformed e) {
      throw new IndexFileException(file, "ids section: " + e.getMessage(), e);
    }
  }

  private static TextFingerprints readTexts(
      FileChannel channel, Path file, IndexLayout layout, IndexLayout.Trailer trailer)
      throws IOException {
    int count = (int) layout.count();
    if (layout.version() == 1) {
      return TextFingerprints.unknown(count);
    }
    ByteBuffer bytes =
        IndexLayout.readFully(
            channel, layout.textOffset(), Math.multiplyExact(count, Long.BYTES), file);
    IndexLayout.checkCrc(file, "text fingerprints", bytes, trailer.texts());
    long[] values = new long[count];
    bytes.asLongBuffer().get(values);
    return TextFingerprints.of(values);
  }

  /**
   * Fills {@code dst} with the little-endian floats at {@code position}, reading through the
   * reusable direct buffer {@code chunk} (the kernel copies into it, then one bulk copy into the
   * array) and feeding every byte to {@code crc} when it is not null.
   */
  private static void readFloats(
      FileChannel channel, Path file, long position, float[] dst, ByteBuffer chunk, CRC32C crc)
      throws IOException {
    int done = 0;
    while (done < dst.length) {
      int floats = Math.min(chunk.capacity() / Float.BYTES, dst.length - done);
      chunk.clear().limit(floats * Float.BYTES);
      long at = position + (long) done * Float.BYTES;
      while (chunk.hasRemaining()) {
        if (channel.read(chunk, at + chunk.position()) < 0) {
          throw new IndexFileException(
              file,
              "file is truncated: ended at byte "
                  + (at + chunk.position())
                  + " while reading the vectors");
        }
      }
      chunk.flip();
      if (crc != null) {
        crc.update(chunk.duplicate());
      }
      chunk.asFloatBuffer().get(dst, done, floats);
      done += floats;
    }
  }
}
