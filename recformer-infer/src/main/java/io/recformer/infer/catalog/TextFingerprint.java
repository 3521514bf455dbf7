package io.recformer.infer.catalog;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * A 64-bit fingerprint of the text the encoder reads from an item: the keys and values of its first
 * {@code maxAttributes} attributes, in order (the encoder ignores the rest, reference section 2).
 * The id is not part of it. Two items with the same fingerprint have, up to a 2^-64 collision, the
 * same encoder input; an index stores one per row so that an item whose text changed under an
 * unchanged id is found and re-encoded instead of serving its old vector.
 *
 * <p>Definition (docs/formats.md, "Text fingerprint"): the first 8 bytes, read as a little-endian
 * int64, of SHA-256 over {@code "recformer-item-text-v1"} followed, for each attribute, by the
 * UTF-8 key and the UTF-8 value, each preceded by its byte length as a little-endian int32. The
 * value 0 is reserved for "unknown" and mapped to 1.
 */
public final class TextFingerprint {

  /** The fingerprint meaning "the text of this row is not known". */
  public static final long UNKNOWN = 0;

  private static final byte[] DOMAIN = "recformer-item-text-v1".getBytes(StandardCharsets.UTF_8);
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(TextFingerprint::sha256);

  private TextFingerprint() {}

  /** The fingerprint of the text the encoder reads from {@code item}. */
  public static long of(Item item, int maxAttributes) {
    if (maxAttributes < 1) {
      throw new IllegalArgumentException(
          "maxAttributes = " + maxAttributes + " is out of range: must be >= 1");
    }
    MessageDigest digest = SHA256.get();
    digest.reset();
    digest.update(DOMAIN);
    List<ItemAttribute> attributes = item.attributes();
    byte[] length = new byte[4];
    ByteBuffer lengthBuffer = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN);
    for (int a = 0; a < Math.min(maxAttributes, attributes.size()); a++) {
      for (String text : new String[] {attributes.get(a).key(), attributes.get(a).value()}) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        lengthBuffer.putInt(0, utf8.length);
        digest.update(length);
        digest.update(utf8);
      }
    }
    long value = ByteBuffer.wrap(digest.digest()).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return value == UNKNOWN ? 1 : value;
  }

  /** {@link #of} for each item, in order. */
  public static long[] of(List<Item> items, int maxAttributes) {
    long[] out = new long[items.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = of(items.get(i), maxAttributes);
    }
    return out;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }
}
