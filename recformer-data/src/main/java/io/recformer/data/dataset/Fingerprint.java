package io.recformer.data.dataset;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The content fingerprint: SHA-256 over a length-prefixed binary serialization, so that no two
 * different contents serialize alike (a value containing a separator cannot fake a boundary).
 * Layout (all integers big-endian): the ASCII tag {@code recformer-dataset-v1}; item count; per
 * item its id, attribute count and key/value pairs; user count; per user its id, length, item ids,
 * a timestamp flag byte and the timestamps as 8-byte longs. Strings are a 4-byte UTF-8 length then
 * the bytes.
 */
final class Fingerprint {

  private final MessageDigest digest;
  private final byte[] scratch = new byte[8];

  private Fingerprint() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  static String of(ItemCatalog items, List<UserHistory> users) {
    Fingerprint f = new Fingerprint();
    f.digest.update("recformer-dataset-v1".getBytes(StandardCharsets.US_ASCII));
    f.putInt(items.size());
    for (Item item : items.items()) {
      f.putString(item.id());
      f.putInt(item.attributes().size());
      for (ItemAttribute attribute : item.attributes()) {
        f.putString(attribute.key());
        f.putString(attribute.value());
      }
    }
    f.putInt(users.size());
    for (UserHistory user : users) {
      f.putString(user.userId());
      f.putInt(user.size());
      for (String itemId : user.itemIds()) {
        f.putString(itemId);
      }
      f.digest.update((byte) (user.hasTimestamps() ? 1 : 0));
      for (Long timestamp : user.timestamps()) {
        f.putLong(timestamp);
      }
    }
    return "sha256:" + HexFormat.of().formatHex(f.digest.digest());
  }

  private void putInt(int value) {
    for (int i = 0; i < 4; i++) {
      scratch[i] = (byte) (value >>> (24 - 8 * i));
    }
    digest.update(scratch, 0, 4);
  }

  private void putLong(long value) {
    for (int i = 0; i < 8; i++) {
      scratch[i] = (byte) (value >>> (56 - 8 * i));
    }
    digest.update(scratch, 0, 8);
  }

  private void putString(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    putInt(bytes.length);
    digest.update(bytes);
  }
}
