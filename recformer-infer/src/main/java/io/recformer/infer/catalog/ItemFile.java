package io.recformer.infer.catalog;

import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.Item;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.IntFunction;
import java.util.zip.CRC32C;

/**
 * The text of a catalog's base items, one record per index row, read on demand through an offset
 * table (docs/formats.md, "Item file"): opening reads only the trailer and the table (8 bytes per
 * item), so a catalog larger than the heap is served. Little-endian:
 *
 * <pre>
 *   0  8 bytes  magic "RFITM\r\n\u001a"
 *   8  int32    format version (1)
 *  12  int32    0 (reserved)
 *  16  records  per row: int32 CRC32C of the item bytes, item bytes ({@link ItemCodec})
 *   T  int64    (count + 1) record offsets from the file start; the last is T
 *      trailer  int64 count, int64 T, int32 CRC32C of bytes [0, 16), int32 CRC32C of the table,
 *               "IEND"
 * </pre>
 *
 * <p>Every read checks its record's checksum and that the record holds the id the index expects at
 * that row. Thread-safe (positional reads).
 */
final class ItemFile implements AutoCloseable {

  static final String KIND = "item file";
  static final byte[] MAGIC = {'R', 'F', 'I', 'T', 'M', '\r', '\n', 0x1a};
  static final byte[] END = {'I', 'E', 'N', 'D'};
  static final int VERSION = 1;
  static final int HEADER = 16;
  static final int TRAILER = 28;

  /** Rows whose offsets fit one mapping of the table. */
  static final int MAX_ROWS = (Integer.MAX_VALUE / Long.BYTES) - 1;

  private final Path file;
  private final FileChannel channel;
  private final LongBuffer offsets;
  private final int count;

  private ItemFile(Path file, FileChannel channel, LongBuffer offsets, int count) {
    this.file = file;
    this.channel = channel;
    this.offsets = offsets;
    this.count = count;
  }

  /**
   * Writes {@code count} items, row by row, to {@code target} atomically (temporary file, fsync).
   */
  static void write(Path target, int count, IntFunction<Item> itemAtRow) throws IOException {
    if (count < 0 || count > MAX_ROWS) {
      throw new IllegalArgumentException(
          "an item file holds 0 to " + MAX_ROWS + " items, got " + count);
    }
    AtomicFiles.write(
        target,
        raw -> {
          OutputStream out = new BufferedOutputStream(raw, 1 << 20);
          ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
          header.put(MAGIC).putInt(VERSION).putInt(0);
          out.write(header.array());
          long[] table = new long[count + 1];
          long position = HEADER;
          CRC32C crc = new CRC32C();
          for (int row = 0; row < count; row++) {
            Item item = itemAtRow.apply(row);
            ByteBuffer record =
                ByteBuffer.allocate(4 + ItemCodec.size(item)).order(ByteOrder.LITTLE_ENDIAN);
            record.position(4);
            ItemCodec.write(item, record);
            crc.reset();
            crc.update(record.array(), 4, record.capacity() - 4);
            record.putInt(0, (int) crc.getValue());
            out.write(record.array());
            table[row] = position;
            position += record.capacity();
          }
          table[count] = position;
          ByteBuffer tableBytes =
              ByteBuffer.allocate(Math.multiplyExact(table.length, Long.BYTES))
                  .order(ByteOrder.LITTLE_ENDIAN);
          tableBytes.asLongBuffer().put(table);
          out.write(tableBytes.array());
          CRC32C headerCrc = new CRC32C();
          headerCrc.update(header.array());
          CRC32C tableCrc = new CRC32C();
          tableCrc.update(tableBytes.array());
          ByteBuffer trailer = ByteBuffer.allocate(TRAILER).order(ByteOrder.LITTLE_ENDIAN);
          trailer
              .putLong(count)
              .putLong(position)
              .putInt((int) headerCrc.getValue())
              .putInt((int) tableCrc.getValue())
              .put(END);
          out.write(trailer.array());
          out.flush();
        });
  }

  /** Opens an item file: checks its header, trailer and offset table; reads no item. */
  static ItemFile open(Path file) throws IOException {
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new CatalogFileException(KIND, file, "file does not exist", e);
    }
    try {
      long size = channel.size();
      if (size < HEADER + Long.BYTES + TRAILER) {
        throw new CatalogFileException(
            KIND,
            file,
            "file is truncated: "
                + size
                + " bytes, an item file has at least "
                + (HEADER + Long.BYTES + TRAILER));
      }
      ByteBuffer header = read(channel, file, 0, HEADER);
      byte[] magic = new byte[MAGIC.length];
      header.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new CatalogFileException(KIND, file, "bad magic bytes: not an item file");
      }
      int version = header.getInt();
      if (version != VERSION) {
        throw new CatalogFileException(
            KIND,
            file,
            "format version "
                + version
                + " is not supported; this library reads version "
                + VERSION
                + (version > VERSION ? " (written by a newer library?)" : ""));
      }
      ByteBuffer trailer = read(channel, file, size - TRAILER, TRAILER);
      long count = trailer.getLong();
      long tableOffset = trailer.getLong();
      int headerCrc = trailer.getInt();
      int tableCrc = trailer.getInt();
      byte[] end = new byte[END.length];
      trailer.get(end);
      if (!Arrays.equals(end, END)) {
        throw new CatalogFileException(
            KIND, file, "bad end marker: the file is truncated or corrupted");
      }
      if (count < 0 || count > MAX_ROWS) {
        throw new CatalogFileException(
            KIND, file, "trailer field count is " + count + ", must be in [0, " + MAX_ROWS + "]");
      }
      long tableBytes = (count + 1) * Long.BYTES;
      if (tableOffset < HEADER || tableOffset + tableBytes + TRAILER != size) {
        throw new CatalogFileException(
            KIND,
            file,
            "file has "
                + size
                + " bytes but the trailer (count "
                + count
                + ", table at "
                + tableOffset
                + ") requires "
                + (tableOffset + tableBytes + TRAILER));
      }
      CRC32C crc = new CRC32C();
      crc.update(header.rewind());
      if ((int) crc.getValue() != headerCrc) {
        throw CatalogFileException.checksum(
            KIND, file, "the header", headerCrc, (int) crc.getValue());
      }
      ByteBuffer table =
          channel
              .map(FileChannel.MapMode.READ_ONLY, tableOffset, tableBytes)
              .order(ByteOrder.LITTLE_ENDIAN);
      crc.reset();
      crc.update(table.duplicate());
      if ((int) crc.getValue() != tableCrc) {
        throw CatalogFileException.checksum(
            KIND, file, "the offset table", tableCrc, (int) crc.getValue());
      }
      LongBuffer offsets = table.asLongBuffer();
      // Records are contiguous: each starts where the previous ended, the last ends at the table.
      long previous = HEADER;
      for (int row = 0; row <= count; row++) {
        long offset = offsets.get(row);
        boolean valid =
            row == 0 ? offset == HEADER : offset >= previous + 4 + 8 && offset <= tableOffset;
        if (!valid || (row == count && offset != tableOffset)) {
          throw new CatalogFileException(
              KIND,
              file,
              "offset table entry "
                  + row
                  + " is "
                  + offset
                  + " (previous "
                  + previous
                  + ", table at "
                  + tableOffset
                  + ")");
        }
        previous = offset;
      }
      return new ItemFile(file, channel, offsets, (int) count);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  Path file() {
    return file;
  }

  int size() {
    return count;
  }

  /**
   * The item at {@code row}, which must have id {@code expectedId} (the index's id of that row).
   *
   * @throws CatalogFileException if the record is damaged or holds another id
   */
  Item item(int row, String expectedId) throws IOException {
    Item item = item(row);
    if (expectedId != null && !item.id().equals(expectedId)) {
      throw new CatalogFileException(
          KIND,
          file,
          "record "
              + row
              + " holds item '"
              + item.id()
              + "', the index holds '"
              + expectedId
              + "' at that row");
    }
    return item;
  }

  Item item(int row) throws IOException {
    if (row < 0 || row >= count) {
      throw new IndexOutOfBoundsException("row " + row + " is outside [0, " + count + ")");
    }
    long start = offsets.get(row);
    int length = Math.toIntExact(offsets.get(row + 1) - start);
    ByteBuffer record;
    try {
      record = read(channel, file, start, length);
    } catch (ClosedChannelException e) {
      throw new IllegalStateException("item file " + file + " is closed", e);
    }
    int stored = record.getInt();
    CRC32C crc = new CRC32C();
    crc.update(record.duplicate());
    if ((int) crc.getValue() != stored) {
      throw CatalogFileException.checksum(
          KIND, file, "record " + row, stored, (int) crc.getValue());
    }
    try {
      Item item = ItemCodec.read(record);
      if (record.hasRemaining()) {
        throw new ItemCodec.Malformed(record.remaining() + " bytes after the item");
      }
      return item;
    } catch (ItemCodec.Malformed e) {
      throw new CatalogFileException(KIND, file, "record " + row + ": " + e.getMessage());
    }
  }

  /** Reads and checks every record (the header and table were checked on open). */
  void verify() throws IOException {
    for (int row = 0; row < count; row++) {
      item(row);
    }
  }

  private static ByteBuffer read(FileChannel channel, Path file, long position, int length)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new CatalogFileException(
            KIND,
            file,
            "file is truncated: ended at byte "
                + (position + buffer.position())
                + " while reading "
                + length
                + " bytes at "
                + position);
      }
    }
    return buffer.flip();
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // A read-only channel has nothing to flush; a failing close loses nothing.
    }
  }
}
