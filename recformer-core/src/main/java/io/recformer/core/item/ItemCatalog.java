package io.recformer.core.item;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * An immutable, ordered set of items with a dense index {@code 0..size-1}. The index is the row of
 * the item in item matrices and score vectors, so it is stable for the catalog's lifetime.
 */
public final class ItemCatalog {

  private final List<Item> items;
  private final Map<String, Integer> indexById;

  private ItemCatalog(List<Item> items) {
    this.items = List.copyOf(items);
    this.indexById = new HashMap<>(items.size() * 2);
    for (int i = 0; i < this.items.size(); i++) {
      Integer previous = indexById.put(this.items.get(i).id(), i);
      if (previous != null) {
        throw new IllegalArgumentException(
            "duplicate item id '"
                + this.items.get(i).id()
                + "' at positions "
                + previous
                + " and "
                + i);
      }
    }
  }

  /** A catalog holding these items in this order; ids must be unique. */
  public static ItemCatalog of(Collection<Item> items) {
    Objects.requireNonNull(items, "items");
    return new ItemCatalog(List.copyOf(items));
  }

  public int size() {
    return items.size();
  }

  public List<Item> items() {
    return items;
  }

  public Item get(int index) {
    return items.get(index);
  }

  /** The item with this id; fails with a message naming the id when it is unknown. */
  public Item get(String id) {
    return items.get(requireIndex(id));
  }

  public boolean contains(String id) {
    return indexById.containsKey(id);
  }

  public OptionalInt indexOf(String id) {
    Integer index = indexById.get(id);
    return index == null ? OptionalInt.empty() : OptionalInt.of(index);
  }

  /** The dense index of this id; fails with a message naming the id when it is unknown. */
  public int requireIndex(String id) {
    Integer index = indexById.get(id);
    if (index == null) {
      throw new IllegalArgumentException(
          "unknown item id '" + id + "' (catalog has " + items.size() + " items)");
    }
    return index;
  }

  /** Resolves a list of ids to items, failing on the first unknown id. */
  public List<Item> resolve(List<String> ids) {
    return ids.stream().map(this::get).toList();
  }

  @Override
  public String toString() {
    return "ItemCatalog[" + items.size() + " items]";
  }
}
