package io.recformer.spark;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One catalog item as it travels between Spark tasks ({@link Item} is not serializable): its row in
 * the catalog (ties between equal scores go to the lower row, as in the item index), its id and its
 * attributes in order.
 */
// Task data, never compared or hashed: arrays keep Java serialization of a row compact.
@SuppressWarnings("ArrayRecordComponent")
record ItemText(long row, String id, String[] keys, String[] values) implements Serializable {

  private static final long serialVersionUID = 1L;

  static ItemText of(long row, Item item) {
    List<ItemAttribute> attributes = item.attributes();
    String[] keys = new String[attributes.size()];
    String[] values = new String[attributes.size()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = attributes.get(i).key();
      values[i] = attributes.get(i).value();
    }
    return new ItemText(row, item.id(), keys, values);
  }

  static List<ItemAttribute> attributes(List<String> keys, List<String> values) {
    List<ItemAttribute> attributes = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      attributes.add(new ItemAttribute(keys.get(i), values.get(i)));
    }
    return attributes;
  }

  Item toItem() {
    List<ItemAttribute> attributes = new ArrayList<>(keys.length);
    for (int i = 0; i < keys.length; i++) {
      attributes.add(new ItemAttribute(keys[i], values[i]));
    }
    return new Item(id, attributes);
  }
}
