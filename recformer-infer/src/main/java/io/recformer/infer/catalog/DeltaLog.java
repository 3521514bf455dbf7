package io.recformer.infer.catalog;

import io.recformer.core.item.Item;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only log of the items added to a catalog since its base was written (docs/formats.md,
 * "Delta log"). One record per {@link #append} call, so a call is durable as a whole or not at all:
 * the record is written, then the file is forced to disk before the call returns. Little-endian:
 *
 * <pre>
 *   0  8 bytes  magic "RFDLT\r\n\u001a"
 *   8  int32    format version (1)
 *  12  int32    dimension
 *  16  int32    CRC32C of bytes [0, 16)
 *  20  records  int32 payload length P, int32 CRC32C of P's 4 bytes, int32 CRC32C of the payload,
 *               payload: int32 item count, then per item: int64 text fingerprint, item bytes
 *               ({@link ItemCodec}), dimension x float32 vector
 * </pre>
 *
 * <p>On open, records are read until the end of the file. Where a record is incomplete or fails a
 * checksum, the rest of the file is a write torn by a crash (its call never returned, so nothing
 * acknowledged is in it) if no intact record follows anywhere in it: the rest is cut off and
 * logged. If an intact record does follow, acknowledged data was damaged and the open fails with
 * the record's position and both checksums.
 */
final class DeltaLog implements AutoCloseable {

  static final String KIND = "delta log";
  static final byte[] MAGIC = {'R', 'F', 'D', 'L', 'T', '\r', '\n', 0x1a};
  static final int VERSION = 1;
  static final int HEADER = 20;

  /** Largest payload of one record: one append call of up to 256 MB. */
  static final int MAX_PAYLOAD = 1 << 28;

  private static final int PREFIX = 12;

  private static final Logger LOG = LoggerFactory.getLogger(DeltaLog.class);

  /** One append call as read back (an internal carrier, never compared: no equals). */
  static final class Batch {
    private final List<Item> items;
    private final float[][] vectors;
    private final long[] textFingerprints;

    Batch(List<Item> items, float[][] vectors, long[] textFingerprints) {
      this.items = items;
      this.vectors = vectors;
      this.textFingerprints = textFingerprints;
    }

    List<Item> items() {
      return items;
    }

    float[][] vectors() {
      return vectors;
    }

    long[] textFingerprints() {
      return textFingerprints;
    }
  }

  private final Path file;
  private final int dimension;
  private final FileChannel channel;
  private long end;

  private DeltaLog(Path file, int dimension, FileChannel channel, long end) {
    this.file = file;
    this.dimension = dimension;
    this.channel = channel;
    this.end = end;
  }

  /** Creates an empty log (fails if the file exists) and forces it to disk. */
  static void create(Path file, int dimension) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
    header.put(MAGIC).putInt(VERSION).putInt(dimension);
    CRC32C crc = new CRC32C();
    crc.update(header.array(), 0, 16);
    header.putInt((int) crc.getValue()).flip();
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      while (header.hasRemaining()) {
        channel.write(header);
      }
      channel.force(true);
    }
  }

  /**
   * Opens a log for appending after replaying it into {@code batches}; cuts off a torn last record.
   */
  static DeltaLog open(Path file, int dimension, List<Batch> batches) throws IOException {
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (NoSuchFileException e) {
      throw new CatalogFileException(KIND, file, "file does not exist", e);
    }
    try {
      long end = replay(channel, file, dimension, channel.size(), batches);
      if (end < channel.size()) {
        LOG.warn(
            "{} {}: cut off a torn last record ({} bytes) written by an interrupted addition that"
                + " was never acknowledged",
            KIND,
            file,
            channel.size() - end);
        channel.truncate(end);
        channel.force(true);
      }
      return new DeltaLog(file, dimension, channel, end);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Reads the first {@code length} bytes (the acknowledged records) again and checks every record:
   * the open already did, this finds damage done since.
   */
  static void verify(Path file, int dimension, long length) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long end =
          replay(channel, file, dimension, Math.min(length, channel.size()), new ArrayList<>());
      if (end != length) {
        throw new CatalogFileException(
            KIND, file, "the last record (at byte " + end + ") is damaged: it fails its checksum");
      }
    }
  }

  private static long replay(
      FileChannel channel, Path file, int dimension, long size, List<Batch> out)
      throws IOException {
    if (size < HEADER) {
      throw new CatalogFileException(
          KIND, file, "file is truncated: " + size + " bytes, the header has " + HEADER);
    }
    ByteBuffer header = read(channel, 0, HEADER);
    byte[] magic = new byte[MAGIC.length];
    header.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new CatalogFileException(KIND, file, "bad magic bytes: not a delta log");
    }
    int version = header.getInt();
    int dim = header.getInt();
    CRC32C crc = new CRC32C();
    crc.update(header.slice(0, 16));
    int stored = header.getInt();
    if ((int) crc.getValue() != stored) {
      throw CatalogFileException.checksum(KIND, file, "the header", stored, (int) crc.getValue());
    }
    if (version != VERSION) {
      throw new CatalogFileException(
          KIND,
          file,
          "format version " + version + " is not supported; this library reads " + VERSION);
    }
    if (dim != dimension) {
      throw new CatalogFileException(
          KIND, file, "holds " + dim + "-dim vectors, the index " + dimension);
    }
    long position = HEADER;
    while (position < size) {
      String problem = recordProblem(channel, position, size);
      if (problem != null) {
        long damaged = intactRecordAfter(channel, position, size);
        if (damaged >= 0) {
          throw new CatalogFileException(
              KIND,
              file,
              "the record at byte "
                  + position
                  + " is damaged ("
                  + problem
                  + ") but an intact record follows at byte "
                  + damaged
                  + "; acknowledged additions were corrupted");
        }
        return position; // a torn last write
      }
      ByteBuffer prefix = read(channel, position, PREFIX);
      int length = prefix.getInt();
      ByteBuffer payload = read(channel, position + PREFIX, length);
      try {
        out.add(decode(payload, dimension));
      } catch (ItemCodec.Malformed e) {
        throw new CatalogFileException(
            KIND, file, "record at byte " + position + ": " + e.getMessage());
      }
      position += PREFIX + length;
    }
    return position;
  }

  /** Why the record at {@code position} is not intact, or null when it is. */
  private static String recordProblem(FileChannel channel, long position, long size)
      throws IOException {
    if (size - position < PREFIX) {
      return "incomplete length";
    }
    ByteBuffer prefix = read(channel, position, PREFIX);
    int length = prefix.getInt();
    int lengthCrc = prefix.getInt();
    int payloadCrc = prefix.getInt();
    CRC32C crc = new CRC32C();
    crc.update(prefix.slice(0, 4));
    if ((int) crc.getValue() != lengthCrc) {
      return "length checksum: expected "
          + CatalogFileException.crcHex(lengthCrc)
          + ", actual "
          + CatalogFileException.crcHex((int) crc.getValue());
    }
    if (length < 4 || length > MAX_PAYLOAD || length > size - position - PREFIX) {
      return "payload of " + length + " bytes does not fit the file";
    }
    crc.reset();
    crc.update(read(channel, position + PREFIX, length));
    if ((int) crc.getValue() != payloadCrc) {
      return "payload checksum: expected "
          + CatalogFileException.crcHex(payloadCrc)
          + ", actual "
          + CatalogFileException.crcHex((int) crc.getValue());
    }
    return null;
  }

  /**
   * The position of an intact record starting anywhere after {@code position}, or -1. A torn write
   * is at most one record long, so a longer rest is damage in any case.
   */
  private static long intactRecordAfter(FileChannel channel, long position, long size)
      throws IOException {
    if (size - position > PREFIX + (long) MAX_PAYLOAD) {
      return position + 1;
    }
    ByteBuffer rest = read(channel, position, (int) (size - position));
    CRC32C crc = new CRC32C();
    for (int at = 1; at + PREFIX <= rest.limit(); at++) {
      int length = rest.getInt(at);
      crc.reset();
      crc.update(rest.slice(at, 4));
      if ((int) crc.getValue() != rest.getInt(at + 4)
          || length < 4
          || length > rest.limit() - at - PREFIX) {
        continue;
      }
      crc.reset();
      crc.update(rest.slice(at + PREFIX, length));
      if ((int) crc.getValue() == rest.getInt(at + 8)) {
        return position + at;
      }
    }
    return -1;
  }

  private static Batch decode(ByteBuffer payload, int dimension) throws ItemCodec.Malformed {
    int count = payload.getInt();
    if (count < 1 || count > payload.remaining() / (8 + 8 + dimension * Float.BYTES)) {
      throw new ItemCodec.Malformed("item count " + count + " does not fit the record");
    }
    List<Item> items = new ArrayList<>(count);
    float[][] vectors = new float[count][dimension];
    long[] texts = new long[count];
    for (int i = 0; i < count; i++) {
      if (payload.remaining() < 8) {
        throw new ItemCodec.Malformed("record ends inside item " + i);
      }
      texts[i] = payload.getLong();
      items.add(ItemCodec.read(payload));
      if (payload.remaining() < dimension * Float.BYTES) {
        throw new ItemCodec.Malformed("record ends inside the vector of item " + i);
      }
      payload.asFloatBuffer().get(vectors[i]);
      payload.position(payload.position() + dimension * Float.BYTES);
    }
    if (payload.hasRemaining()) {
      throw new ItemCodec.Malformed(payload.remaining() + " bytes after the last item");
    }
    return new Batch(List.copyOf(items), vectors, texts);
  }

  /**
   * Appends one record holding these items and forces it to disk; when this returns the batch
   * survives a crash. On failure the log is cut back to its previous end (the batch is then not in
   * it) and the exception is rethrown.
   */
  void append(List<Item> items, float[][] vectors, long[] textFingerprints) throws IOException {
    long size = 4;
    for (int i = 0; i < items.size(); i++) {
      if (vectors[i].length != dimension) {
        throw new IllegalArgumentException(
            "vector " + i + " has dimension " + vectors[i].length + ", the log " + dimension);
      }
      size += 8 + ItemCodec.size(items.get(i)) + (long) dimension * Float.BYTES;
    }
    if (size > MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "one addition holds at most " + MAX_PAYLOAD + " bytes, got " + size + "; split it");
    }
    ByteBuffer record = ByteBuffer.allocate(PREFIX + (int) size).order(ByteOrder.LITTLE_ENDIAN);
    record.putInt((int) size).putInt(0).putInt(0).putInt(items.size());
    for (int i = 0; i < items.size(); i++) {
      record.putLong(textFingerprints[i]);
      ItemCodec.write(items.get(i), record);
      for (float x : vectors[i]) {
        record.putFloat(x);
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(record.array(), 0, 4);
    record.putInt(4, (int) crc.getValue());
    crc.reset();
    crc.update(record.array(), PREFIX, (int) size);
    record.putInt(8, (int) crc.getValue()).flip();
    try {
      long at = end;
      while (record.hasRemaining()) {
        at += channel.write(record, at);
      }
      channel.force(false);
      end = at;
    } catch (IOException | RuntimeException e) {
      try {
        channel.truncate(end);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  Path file() {
    return file;
  }

  long length() {
    return end;
  }

  private static ByteBuffer read(FileChannel channel, long position, int length)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new IOException("unexpected end of file at " + (position + buffer.position()));
      }
    }
    return buffer.flip();
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // Every append was forced before it returned; nothing is lost by a failing close.
    }
  }
}
