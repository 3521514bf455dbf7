package io.recformer.core.item;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which attributes an item keeps, and in which order, before encoding. Recformer encodes the first
 * {@code maxAttributes} attributes in their given order (reference section 2), so the layout
 * decides what the model sees: the paper's is {@code title, brand, category}.
 *
 * @param keys attribute keys in encoding order, non-blank and unique
 */
public record AttributeLayout(List<String> keys) {

  /** The paper's layout: title, brand, category. */
  public static final AttributeLayout PAPER =
      new AttributeLayout(List.of("title", "brand", "category"));

  public AttributeLayout {
    keys = List.copyOf(Objects.requireNonNull(keys, "attribute layout keys"));
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("attribute layout must name at least one attribute key");
    }
    Set<String> seen = new HashSet<>();
    for (String key : keys) {
      if (key.isBlank()) {
        throw new IllegalArgumentException("attribute layout " + keys + " contains a blank key");
      }
      if (!seen.add(key)) {
        throw new IllegalArgumentException(
            "attribute layout " + keys + " names '" + key + "' twice");
      }
    }
  }

  public static AttributeLayout of(String... keys) {
    return new AttributeLayout(List.of(keys));
  }

  /**
   * The item with only this layout's attributes, in this layout's order. Attributes the item lacks
   * are left out rather than encoded as empty values, so they cost no tokens.
   */
  public Item apply(Item item) {
    List<ItemAttribute> selected = new ArrayList<>(keys.size());
    for (String key : keys) {
      item.attribute(key).ifPresent(value -> selected.add(new ItemAttribute(key, value)));
    }
    return new Item(item.id(), selected);
  }

  /**
   * Fails when a key of this layout occurs in no item of the catalog: a misspelt key would
   * otherwise silently drop an attribute from every item.
   */
  public void validateAgainst(ItemCatalog catalog) {
    Set<String> present = new HashSet<>();
    for (Item item : catalog.items()) {
      for (ItemAttribute attribute : item.attributes()) {
        present.add(attribute.key());
      }
    }
    for (String key : keys) {
      if (!present.contains(key)) {
        throw new IllegalArgumentException(
            "attribute layout names '"
                + key
                + "', which no item of the catalog has (keys present: "
                + new TreeSet<>(present)
                + ")");
      }
    }
  }
}
