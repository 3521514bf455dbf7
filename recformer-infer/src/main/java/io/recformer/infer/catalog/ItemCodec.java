package io.recformer.infer.catalog;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of an item shared by the item file and the delta log: int32 id length, UTF-8 id,
 * int32 attribute count, then per attribute int32 key length, UTF-8 key, int32 value length, UTF-8
 * value. Little-endian; the caller's buffer decides the byte order.
 */
final class ItemCodec {

  private ItemCodec() {}

  /** Thrown for bytes that are not an item; the caller adds the file and the record. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  static int size(Item item) {
    int size = 4 + utf8(item.id()).length + 4;
    for (ItemAttribute a : item.attributes()) {
      size += 8 + utf8(a.key()).length + utf8(a.value()).length;
    }
    return size;
  }

  static void write(Item item, ByteBuffer out) {
    putString(item.id(), out);
    out.putInt(item.attributes().size());
    for (ItemAttribute a : item.attributes()) {
      putString(a.key(), out);
      putString(a.value(), out);
    }
  }

  static Item read(ByteBuffer in) throws Malformed {
    try {
      String id = getString(in, "id");
      int count = in.getInt();
      if (count < 0 || count > in.remaining() / 8) {
        throw new Malformed("attribute count " + count + " does not fit the record");
      }
      List<ItemAttribute> attributes = new ArrayList<>(count);
      for (int a = 0; a < count; a++) {
        attributes.add(new ItemAttribute(getString(in, "key"), getString(in, "value")));
      }
      return new Item(id, attributes);
    } catch (BufferUnderflowException e) {
      throw new Malformed("record ends inside an item");
    } catch (IllegalArgumentException e) {
      throw new Malformed("invalid item: " + e.getMessage());
    }
  }

  private static void putString(String s, ByteBuffer out) {
    byte[] bytes = utf8(s);
    out.putInt(bytes.length);
    out.put(bytes);
  }

  private static String getString(ByteBuffer in, String field) throws Malformed {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new Malformed(field + " length " + length + " does not fit the record");
    }
    ByteBuffer slice = in.slice(in.position(), length);
    in.position(in.position() + length);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(slice)
          .toString();
    } catch (CharacterCodingException e) {
      throw new Malformed(field + " is not valid UTF-8");
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
