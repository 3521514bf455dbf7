package io.recformer.infer.catalog;

import io.recformer.core.item.Item;
import io.recformer.infer.index.ItemIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A {@link Catalog} at one moment: an index and the text of every item it holds. A request takes
 * one view and does all its lookups through it, so it never sees an index row without its item.
 */
public final class CatalogView implements ItemStore {

  private final ItemIndex index;
  private final ItemFile baseItems;
  private final int baseRows;
  private final ItemStore baseStore;
  private final Map<String, Item> added;

  static CatalogView of(
      ItemIndex index,
      ItemFile baseItems,
      int baseRows,
      ItemStore baseStore,
      Map<String, Item> added) {
    return new CatalogView(index, baseItems, baseRows, baseStore, added);
  }

  private CatalogView(
      ItemIndex index,
      ItemFile baseItems,
      int baseRows,
      ItemStore baseStore,
      Map<String, Item> added) {
    this.index = index;
    this.baseItems = baseItems;
    this.baseRows = baseRows;
    this.baseStore = baseStore;
    this.added = added;
  }

  ItemFile baseItems() {
    return baseItems;
  }

  /** Records the text of items about to be published (shared by the views of a generation). */
  void putAdded(Item item) {
    added.put(item.id(), item);
  }

  int addedCount() {
    return added.size();
  }

  CatalogView withIndex(ItemIndex next) {
    return new CatalogView(next, baseItems, baseRows, baseStore, added);
  }

  /** The index of this moment; rows and vectors never change under a view. */
  public ItemIndex index() {
    return index;
  }

  @Override
  public int size() {
    return index.size();
  }

  /**
   * The item with this id. Every id the view's index returns is found.
   *
   * @throws UncheckedIOException wrapping a {@link CatalogFileException} when the item's record on
   *     disk is damaged
   */
  @Override
  public Optional<Item> item(String id) {
    Objects.requireNonNull(id, "id");
    Item recent = added.get(id);
    if (recent != null) {
      return Optional.of(recent);
    }
    if (baseItems == null) {
      return baseStore.item(id);
    }
    OptionalInt row = index.rowOf(id);
    if (row.isEmpty() || row.getAsInt() >= baseRows) {
      return Optional.empty();
    }
    try {
      return Optional.of(baseItems.item(row.getAsInt(), id));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Item itemAtRow(int row) {
    String id = index.itemId(row);
    return item(id)
        .orElseThrow(
            () -> new IllegalStateException("catalog holds no text for item '" + id + "'"));
  }
}
