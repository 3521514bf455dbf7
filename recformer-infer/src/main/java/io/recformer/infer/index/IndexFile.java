package io.recformer.infer.index;

import io.recformer.core.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes the item index file, format version 1 (docs/formats.md, "Item index"). All
 * numbers little-endian:
 *
 * <pre>
 *   0  8 bytes  magic "RFIDX\r\n\u001a"
 *   8  int32    format version (1)
 *  12  int32    dimension
 *  16  int64    count
 *  24  int64    vectors offset (multiple of 64)
 *  32  int64    ids offset (= vectors offset + count * dimension * 4)
 *  40  int64    ids length in bytes
 *  48  int32    fingerprint length in bytes
 *  52  UTF-8    fingerprint, then zero padding up to the vectors offset
 *      float32  count * dimension normalized vectors, row-major
 *      ids      count times (int32 length, UTF-8 bytes)
 *      trailer  int32 CRC32C(header incl. padding), int32 CRC32C(vectors), int32 CRC32C(ids),
 *               4 bytes end marker "IEND"
 * </pre>
 */
final class IndexFile {

  static final byte[] MAGIC = {'R', 'F', 'I', 'D', 'X', '\r', '\n', 0x1a};
  static final byte[] END = {'I', 'E', 'N', 'D'};
  static final int VERSION = 1;
  static final int FIXED_HEADER = 52;
  static final int TRAILER = 16;
  static final int ALIGNMENT = 64;
  static final int MAX_FINGERPRINT_BYTES = 1 << 16;

  /**
   * Keeps one row far below the 2 GB limit of a mapping (and count x dimension x 4 within a long).
   */
  static final int MAX_DIMENSION = 1 << 20;

  private static final Logger LOG = LoggerFactory.getLogger(IndexFile.class);
  private static final int CHUNK_BYTES = 1 << 20;

  private IndexFile() {}

  static long align(long offset) {
    return (offset + ALIGNMENT - 1) & -ALIGNMENT;
  }

  static void write(Path file, ExactItemIndex index) throws IOException {
    long start = System.nanoTime();
    byte[] fingerprint = index.fingerprint().getBytes(StandardCharsets.UTF_8);
    if (fingerprint.length > MAX_FINGERPRINT_BYTES) {
      throw new IllegalArgumentException(
          "fingerprint is "
              + fingerprint.length
              + " UTF-8 bytes, at most "
              + MAX_FINGERPRINT_BYTES
              + " are allowed");
    }
    VectorStore store = index.store();
    int dim = store.dimension();
    if (dim > MAX_DIMENSION) {
      throw new IllegalArgumentException(
          "the index file holds vectors of at most "
              + MAX_DIMENSION
              + " dimensions, this index has "
              + dim);
    }
    long count = store.size();
    byte[] ids = encodeIds(index.ids());
    long vectorsOffset = align(FIXED_HEADER + fingerprint.length);
    long idsOffset = vectorsOffset + count * dim * Float.BYTES;

    ByteBuffer header = ByteBuffer.allocate((int) vectorsOffset).order(ByteOrder.LITTLE_ENDIAN);
    header
        .put(MAGIC)
        .putInt(VERSION)
        .putInt(dim)
        .putLong(count)
        .putLong(vectorsOffset)
        .putLong(idsOffset)
        .putLong(ids.length)
        .putInt(fingerprint.length)
        .put(fingerprint);
    CRC32C headerCrc = new CRC32C();
    headerCrc.update(header.array());
    CRC32C idsCrc = new CRC32C();
    idsCrc.update(ids);

    AtomicFiles.write(
        file,
        raw -> {
          OutputStream out = new BufferedOutputStream(raw, CHUNK_BYTES);
          out.write(header.array());
          CRC32C vectorsCrc = new CRC32C();
          ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
          FloatBuffer floats = chunk.asFloatBuffer();
          float[] rowBuffer = new float[Math.max(dim, CHUNK_BYTES / Float.BYTES / dim * dim)];
          int rowsPerChunk = rowBuffer.length / dim;
          for (int row = 0; row < count; ) {
            int n = (int) Math.min(rowsPerChunk, count - row);
            store.copyRows(row, n, rowBuffer, 0);
            int bytes = n * dim * Float.BYTES;
            boolean fitsChunk = bytes <= CHUNK_BYTES;
            ByteBuffer target =
                fitsChunk ? chunk : ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            FloatBuffer view = fitsChunk ? floats : target.asFloatBuffer();
            view.clear();
            view.put(rowBuffer, 0, n * dim);
            out.write(target.array(), 0, bytes);
            vectorsCrc.update(target.array(), 0, bytes);
            row += n;
          }
          out.write(ids);
          ByteBuffer trailer = ByteBuffer.allocate(TRAILER).order(ByteOrder.LITTLE_ENDIAN);
          trailer
              .putInt((int) headerCrc.getValue())
              .putInt((int) vectorsCrc.getValue())
              .putInt((int) idsCrc.getValue())
              .put(END);
          out.write(trailer.array());
          out.flush();
        });
    LOG.info(
        "wrote item index {} ({} items x {} dims, {} MB) in {} ms",
        file,
        count,
        dim,
        (idsOffset + ids.length + TRAILER) >> 20,
        (System.nanoTime() - start) / 1_000_000);
  }

  private static byte[] encodeIds(IdTable ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(32, ids.size() * 16));
    byte[] length = new byte[4];
    ByteBuffer lengthBuffer = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN);
    for (int row = 0; row < ids.size(); row++) {
      byte[] utf8 = ids.id(row).getBytes(StandardCharsets.UTF_8);
      lengthBuffer.putInt(0, utf8.length);
      out.write(length, 0, 4);
      out.write(utf8, 0, utf8.length);
    }
    return out.toByteArray();
  }

  /**
   * Bytes per read when vectors are loaded into the heap: large enough that a read costs little per
   * byte.
   */
  static final int READ_CHUNK_BYTES = 8 << 20;

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
   * way).
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
      long size = channel.size();
      if (size < FIXED_HEADER + TRAILER) {
        throw new IndexFileException(
            file,
            "file is truncated: "
                + size
                + " bytes, an index file has at least "
                + (FIXED_HEADER + TRAILER));
      }
      ByteBuffer fixed = readFully(channel, 0, FIXED_HEADER, file);
      byte[] magic = new byte[MAGIC.length];
      fixed.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IndexFileException(
            file,
            "bad magic bytes "
                + hex(magic)
                + ", expected "
                + hex(MAGIC)
                + ": not an item index file");
      }
      int version = fixed.getInt();
      if (version != VERSION) {
        throw new IndexFileException(
            file,
            "format version "
                + version
                + " is not supported; this library reads"
                + " version "
                + VERSION
                + (version > VERSION ? " (written by a newer library?)" : ""));
      }
      int dim = fixed.getInt();
      long count = fixed.getLong();
      long vectorsOffset = fixed.getLong();
      long idsOffset = fixed.getLong();
      long idsLength = fixed.getLong();
      int fingerprintLength = fixed.getInt();
      if (dim <= 0 || dim > MAX_DIMENSION) {
        throw new IndexFileException(
            file, "header field dimension is " + dim + ", must be in [1, " + MAX_DIMENSION + "]");
      }
      if (count < 0 || count > Integer.MAX_VALUE) {
        throw new IndexFileException(
            file, "header field count is " + count + ", must be in [0, " + Integer.MAX_VALUE + "]");
      }
      if (fingerprintLength < 0 || fingerprintLength > MAX_FINGERPRINT_BYTES) {
        throw new IndexFileException(
            file,
            "header field fingerprint length is "
                + fingerprintLength
                + ", must be in [0, "
                + MAX_FINGERPRINT_BYTES
                + "]");
      }
      long expectedVectorsOffset = align(FIXED_HEADER + fingerprintLength);
      if (vectorsOffset != expectedVectorsOffset) {
        throw new IndexFileException(
            file,
            "header field vectors offset is "
                + vectorsOffset
                + ", expected "
                + expectedVectorsOffset
                + " (fingerprint of "
                + fingerprintLength
                + " bytes, aligned to "
                + ALIGNMENT
                + ")");
      }
      long vectorBytes = count * dim * Float.BYTES;
      if (idsOffset != vectorsOffset + vectorBytes) {
        throw new IndexFileException(
            file,
            "header is inconsistent: count "
                + count
                + " x dimension "
                + dim
                + " needs "
                + vectorBytes
                + " vector bytes, so ids should start at "
                + (vectorsOffset + vectorBytes)
                + ", header says "
                + idsOffset);
      }
      if (idsLength < 4 * count) {
        throw new IndexFileException(
            file,
            "header field ids length is "
                + idsLength
                + ", "
                + count
                + " ids need at least "
                + 4 * count
                + " bytes");
      }
      long expectedSize = idsOffset + idsLength + TRAILER;
      if (size < expectedSize) {
        throw new IndexFileException(
            file,
            "file is truncated: "
                + size
                + " bytes, the header (count "
                + count
                + ", dimension "
                + dim
                + ") requires "
                + expectedSize);
      }
      if (size > expectedSize) {
        throw new IndexFileException(
            file,
            "file has "
                + size
                + " bytes but the header (count "
                + count
                + ", dimension "
                + dim
                + ") requires exactly "
                + expectedSize
                + "; count or dimension is inconsistent"
                + " with the file size");
      }
      if (idsLength > Integer.MAX_VALUE) {
        throw new IndexFileException(
            file, "ids section of " + idsLength + " bytes exceeds " + Integer.MAX_VALUE);
      }
      ByteBuffer trailer = readFully(channel, idsOffset + idsLength, TRAILER, file);
      int headerCrc = trailer.getInt();
      int vectorsCrc = trailer.getInt();
      int idsCrc = trailer.getInt();
      byte[] end = new byte[END.length];
      trailer.get(end);
      if (!Arrays.equals(end, END)) {
        throw new IndexFileException(
            file,
            "bad end marker "
                + hex(end)
                + ", expected "
                + hex(END)
                + ": file is truncated or corrupted");
      }
      ByteBuffer header = readFully(channel, 0, (int) vectorsOffset, file);
      checkCrc(file, "header", header, headerCrc);
      byte[] fingerprintBytes = new byte[fingerprintLength];
      header.position(FIXED_HEADER);
      header.get(fingerprintBytes);
      String fingerprint = decode(fingerprintBytes, file, "fingerprint");
      if (expectedFingerprint != null && !expectedFingerprint.equals(fingerprint)) {
        throw new IndexFileException(
            file,
            "index was built by model '"
                + fingerprint
                + "', bundle is '"
                + expectedFingerprint
                + "'; rebuild the index with this bundle");
      }

      ByteBuffer idBytes = readFully(channel, idsOffset, (int) idsLength, file);
      checkCrc(file, "ids", idBytes, idsCrc);
      // readFully allocates a fresh heap buffer, so its whole backing array is the section.
      @SuppressWarnings("ByteBufferBackingArray")
      byte[] idSection = idBytes.array();
      IdTable ids;
      try {
        ids = IdTable.of(Utf8Ids.parse(idSection, (int) count));
      } catch (Utf8Ids.Malformed e) {
        throw new IndexFileException(file, "ids section: " + e.getMessage(), e);
      }

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
        if (inHeap) {
          float[] data = new float[Math.toIntExact(n * dim)];
          readFloats(channel, file, vectorsOffset + row * rowBytes, data, chunk, crc);
          segments.add(VectorStore.Segment.heap(data, 0, (int) n));
          continue;
        }
        MappedByteBuffer mapped =
            channel.map(
                FileChannel.MapMode.READ_ONLY, vectorsOffset + row * rowBytes, n * rowBytes);
        if (crc != null) {
          crc.update(mapped.duplicate());
        }
        segments.add(VectorStore.Segment.mapped(mapped, (int) n));
      }
      if (crc != null && (int) crc.getValue() != vectorsCrc) {
        throw new IndexFileException(
            file,
            "checksum mismatch in the vectors section: stored "
                + crcHex(vectorsCrc)
                + ", computed "
                + crcHex((int) crc.getValue())
                + "; the file is corrupted");
      }
      ExactItemIndex index = new ExactItemIndex(new VectorStore(dim, segments), ids, fingerprint);
      LOG.info(
          "opened item index {} ({} items x {} dims, {} {} segment(s), vectors {}) in {} ms",
          file,
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

  private static String decode(byte[] bytes, Path file, String field) throws IndexFileException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IndexFileException(file, field + " is not valid UTF-8", e);
    }
  }

  private static void checkCrc(Path file, String section, ByteBuffer data, int stored)
      throws IndexFileException {
    CRC32C crc = new CRC32C();
    crc.update(data.duplicate().rewind());
    if ((int) crc.getValue() != stored) {
      throw new IndexFileException(
          file,
          "checksum mismatch in the "
              + section
              + " section: stored "
              + crcHex(stored)
              + ", computed "
              + crcHex((int) crc.getValue())
              + "; the file is corrupted");
    }
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

  private static ByteBuffer readFully(FileChannel channel, long position, int length, Path file)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, position + buffer.position());
      if (read < 0) {
        throw new IndexFileException(
            file,
            "file is truncated: ended at byte "
                + (position + buffer.position())
                + " while reading "
                + length
                + " bytes at offset "
                + position);
      }
    }
    return buffer.flip();
  }

  private static String crcHex(int value) {
    return String.format(Locale.ROOT, "%08x", value);
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format(Locale.ROOT, "%02x", b & 0xff));
    }
    return sb.toString();
  }
}
