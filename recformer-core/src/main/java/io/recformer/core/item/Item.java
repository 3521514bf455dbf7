package io.recformer.core.item;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An item: an identifier plus an ordered list of text attributes. The order matters: Recformer
 * keeps the first attributes, up to the configured maximum, in the given order (reference section
 * 2).
 *
 * @param id the item identifier (for example an ASIN), non-blank
 * @param attributes the attributes in encoding order; keys are unique
 */
public record Item(String id, List<ItemAttribute> attributes) {

  /** Attribute key of the title, the one attribute every importer requires. */
  public static final String TITLE = "title";

  public Item {
    Objects.requireNonNull(id, "item id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("item id must not be blank");
    }
    attributes =
        List.copyOf(Objects.requireNonNull(attributes, () -> "attributes of item '" + id + "'"));
    Set<String> seen = new HashSet<>();
    for (ItemAttribute attribute : attributes) {
      if (!seen.add(attribute.key())) {
        throw new IllegalArgumentException(
            "item '" + id + "' has attribute '" + attribute.key() + "' more than once");
      }
    }
  }

  /**
   * Creates an item from alternating key/value strings: {@code Item.of("B00X", "title", "Glue")}.
   */
  public static Item of(String id, String... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException(
          "item '" + id + "': expected key/value pairs, got " + keysAndValues.length + " strings");
    }
    List<ItemAttribute> attributes = new ArrayList<>(keysAndValues.length / 2);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      attributes.add(new ItemAttribute(keysAndValues[i], keysAndValues[i + 1]));
    }
    return new Item(id, attributes);
  }

  /** The value of the attribute with this key, if present. */
  public Optional<String> attribute(String key) {
    for (ItemAttribute attribute : attributes) {
      if (attribute.key().equals(key)) {
        return Optional.of(attribute.value());
      }
    }
    return Optional.empty();
  }

  /** The title, or an empty string when the item has none. */
  public String title() {
    return attribute(TITLE).orElse("");
  }

  /**
   * True when at least one attribute value is non-blank: an item with no text cannot be encoded.
   */
  public boolean hasText() {
    for (ItemAttribute attribute : attributes) {
      if (!attribute.value().isBlank()) {
        return true;
      }
    }
    return false;
  }
}
