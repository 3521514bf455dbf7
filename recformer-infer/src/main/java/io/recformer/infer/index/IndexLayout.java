package io.recformer.infer.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * Where the sections of an item index file lie, read from and checked against its header and
 * trailer (docs/formats.md, "Item index"). Versions 1 and 2 share the header; version 2 adds a
 * section of per-row text fingerprints after the ids and a fourth checksum to the trailer.
 *
 * @param version format version of the file
 * @param dimension vector length
 * @param count number of rows
 * @param vectorsOffset first byte of the vectors
 * @param idsOffset first byte of the ids
 * @param idsLength bytes of the ids section
 * @param fingerprintLength UTF-8 bytes of the model fingerprint
 * @param textOffset first byte of the text fingerprints (version 2; equals the trailer offset in
 *     version 1)
 * @param trailerOffset first byte of the trailer
 */
record IndexLayout(
    int version,
    int dimension,
    long count,
    long vectorsOffset,
    long idsOffset,
    long idsLength,
    int fingerprintLength,
    long textOffset,
    long trailerOffset) {

  static final byte[] MAGIC = {'R', 'F', 'I', 'D', 'X', '\r', '\n', 0x1a};
  static final byte[] END = {'I', 'E', 'N', 'D'};

  /** The version this library writes; it reads every version from 1 up to this one. */
  static final int VERSION = 2;

  static final int FIXED_HEADER = 52;
  static final int ALIGNMENT = 64;
  static final int MAX_FINGERPRINT_BYTES = 1 << 16;

  /**
   * Keeps one row far below the 2 GB limit of a mapping (and count x dimension x 4 within a long).
   */
  static final int MAX_DIMENSION = 1 << 20;

  /** Trailer bytes of a version: one CRC32C per section, then the end marker. */
  static int trailerBytes(int version) {
    return version == 1 ? 16 : 20;
  }

  /** The smallest file of any version: a header without fingerprint and a version-1 trailer. */
  static final int MIN_FILE = FIXED_HEADER + 16;

  static long align(long offset) {
    return (offset + ALIGNMENT - 1) & -ALIGNMENT;
  }

  long fileSize() {
    return trailerOffset + trailerBytes(version);
  }

  /** The stored checksums of the sections, in file order. */
  record Trailer(int header, int vectors, int ids, int texts) {}

  /** Reads and checks the fixed header against the file size; reads nothing else. */
  static IndexLayout read(FileChannel channel, Path file) throws IOException {
    long size = channel.size();
    if (size < MIN_FILE) {
      throw new IndexFileException(
          file, "file is truncated: " + size + " bytes, an index file has at least " + MIN_FILE);
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
    if (version < 1 || version > VERSION) {
      throw new IndexFileException(
          file,
          "format version "
              + version
              + " is not supported; this library reads versions 1 to "
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
    if (idsLength < 4 * count || idsLength > Integer.MAX_VALUE) {
      throw new IndexFileException(
          file,
          "header field ids length is "
              + idsLength
              + ", "
              + count
              + " ids need at least "
              + 4 * count
              + " bytes and the section holds at most "
              + Integer.MAX_VALUE);
    }
    long textOffset = idsOffset + idsLength;
    long trailerOffset = version == 1 ? textOffset : textOffset + count * Long.BYTES;
    IndexLayout layout =
        new IndexLayout(
            version,
            dim,
            count,
            vectorsOffset,
            idsOffset,
            idsLength,
            fingerprintLength,
            textOffset,
            trailerOffset);
    long expectedSize = layout.fileSize();
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
              + "; count or dimension is inconsistent with the file size");
    }
    return layout;
  }

  /** Reads the trailer and checks its end marker. */
  Trailer readTrailer(FileChannel channel, Path file) throws IOException {
    ByteBuffer trailer = readFully(channel, trailerOffset, trailerBytes(version), file);
    int header = trailer.getInt();
    int vectors = trailer.getInt();
    int ids = trailer.getInt();
    int texts = version == 1 ? 0 : trailer.getInt();
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
    return new Trailer(header, vectors, ids, texts);
  }

  static ByteBuffer readFully(FileChannel channel, long position, int length, Path file)
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

  /** Fails with {@link ChecksumMismatchException} when {@code data}'s CRC32C is not stored. */
  static void checkCrc(Path file, String section, ByteBuffer data, int stored)
      throws ChecksumMismatchException {
    CRC32C crc = new CRC32C();
    crc.update(data.duplicate().rewind());
    checkCrc(file, section, stored, (int) crc.getValue());
  }

  static void checkCrc(Path file, String section, int stored, int computed)
      throws ChecksumMismatchException {
    if (stored != computed) {
      throw new ChecksumMismatchException(file, section, crcHex(stored), crcHex(computed));
    }
  }

  static String decode(byte[] bytes, Path file, String field) throws IndexFileException {
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

  static String crcHex(int value) {
    return String.format(Locale.ROOT, "%08x", value);
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format(Locale.ROOT, "%02x", b & 0xff));
    }
    return sb.toString();
  }
}
