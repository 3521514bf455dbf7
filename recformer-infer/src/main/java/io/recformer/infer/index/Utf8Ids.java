package io.recformer.infer.index;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The ids of an opened index file kept as their UTF-8 bytes, with an open-addressing hash table of
 * rows. Opening a million-item index then allocates three arrays instead of a million strings and
 * map entries; an id string is made only when a result or {@link #id} asks for it.
 */
final class Utf8Ids {

  private final byte[] bytes;
  private final int[] starts;
  private final int[] lengths;

  /**
   * Per slot: the id's hash in the upper 32 bits and row + 1 in the lower ones; 0 = empty. Keeping
   * the hash in the slot means a probe touches the id bytes only on a full hash match (one cache
   * miss per lookup instead of three). Capacity is a power of two, at most half full.
   */
  private final long[] table;

  private Utf8Ids(byte[] bytes, int[] starts, int[] lengths, long[] table) {
    this.bytes = bytes;
    this.starts = starts;
    this.lengths = lengths;
    this.table = table;
  }

  /** Thrown for structurally invalid id sections; the reader adds the file name. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Parses {@code count} (int32 little-endian length, UTF-8 bytes) records filling {@code section}
   * exactly; rejects invalid UTF-8, empty and duplicate ids.
   */
  static Utf8Ids parse(byte[] section, int count) throws Malformed {
    int[] starts = new int[count];
    int[] lengths = new int[count];
    int capacity = Integer.highestOneBit(Math.max(2, count) * 2 - 1) << 1;
    long[] table = new long[capacity];
    int mask = capacity - 1;
    ByteBuffer buffer = ByteBuffer.wrap(section).order(ByteOrder.LITTLE_ENDIAN);
    CharsetDecoder decoder = null;
    int pos = 0;
    for (int row = 0; row < count; row++) {
      if (section.length - pos < 4) {
        throw new Malformed("ends before the length of id " + row);
      }
      int length = buffer.getInt(pos);
      pos += 4;
      if (length < 0 || length > section.length - pos) {
        throw new Malformed(
            "id "
                + row
                + " has length "
                + length
                + ", only "
                + (section.length - pos)
                + " bytes remain");
      }
      if (length == 0) {
        throw new Malformed("id " + row + " is empty");
      }
      if (!isAscii(section, pos, length)) {
        if (decoder == null) {
          decoder =
              StandardCharsets.UTF_8
                  .newDecoder()
                  .onMalformedInput(CodingErrorAction.REPORT)
                  .onUnmappableCharacter(CodingErrorAction.REPORT);
        }
        try {
          decoder.decode(ByteBuffer.wrap(section, pos, length));
        } catch (CharacterCodingException e) {
          throw new Malformed("id " + row + " is not valid UTF-8");
        }
      }
      starts[row] = pos;
      lengths[row] = length;
      int hash = hash(section, pos, length);
      int slot = hash & mask;
      while (table[slot] != 0) {
        int other = (int) table[slot] - 1;
        if ((int) (table[slot] >>> 32) == hash
            && Arrays.equals(
                section,
                starts[other],
                starts[other] + lengths[other],
                section,
                pos,
                pos + length)) {
          throw new Malformed(
              "duplicate item id '"
                  + decode(section, pos, length)
                  + "' at rows "
                  + other
                  + " and "
                  + row);
        }
        slot = (slot + 1) & mask;
      }
      table[slot] = entry(hash, row);
      pos += length;
    }
    if (pos != section.length) {
      throw new Malformed(
          "has " + (section.length - pos) + " bytes after the last of " + count + " ids");
    }
    return new Utf8Ids(section, starts, lengths, table);
  }

  int size() {
    return starts.length;
  }

  String id(int row) {
    return decode(bytes, starts[row], lengths[row]);
  }

  /** Row of {@code id}, or -1. */
  int rowOf(String id) {
    byte[] key = id.getBytes(StandardCharsets.UTF_8);
    int mask = table.length - 1;
    int hash = hash(key, 0, key.length);
    int slot = hash & mask;
    while (table[slot] != 0) {
      int row = (int) table[slot] - 1;
      if ((int) (table[slot] >>> 32) == hash
          && Arrays.equals(bytes, starts[row], starts[row] + lengths[row], key, 0, key.length)) {
        return row;
      }
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  private static long entry(int hash, int row) {
    return ((long) hash << 32) | ((row + 1) & 0xFFFFFFFFL);
  }

  private static int hash(byte[] data, int from, int length) {
    int h = 0x811C9DC5;
    for (int i = from; i < from + length; i++) {
      h = (h ^ data[i]) * 0x01000193; // FNV-1a
    }
    return h ^ (h >>> 16);
  }

  private static boolean isAscii(byte[] data, int from, int length) {
    for (int i = from; i < from + length; i++) {
      if (data[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private static String decode(byte[] data, int from, int length) {
    // Validated on parse; ASCII ids (the common case) become compact Latin-1 strings directly.
    return isAscii(data, from, length)
        ? new String(data, from, length, StandardCharsets.ISO_8859_1)
        : new String(data, from, length, StandardCharsets.UTF_8);
  }
}
