package io.recformer.infer.catalog;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import java.util.Objects;
import java.util.Optional;

/**
 * The text of the items a recommender serves, by id. Implementations are safe for concurrent reads.
 * {@link #of(ItemCatalog)} keeps a catalog in memory; a {@link Catalog} directory keeps the text on
 * disk and reads an item when a request needs it, so a catalog larger than the heap can be served.
 */
public interface ItemStore {

  /** Number of items. */
  int size();

  /** The item with this id, or empty when the store does not hold it. */
  Optional<Item> item(String id);

  /** A store over an in-memory catalog (not copied: the catalog is immutable). */
  static ItemStore of(ItemCatalog catalog) {
    Objects.requireNonNull(catalog, "catalog");
    return new ItemStore() {
      @Override
      public int size() {
        return catalog.size();
      }

      @Override
      public Optional<Item> item(String id) {
        return catalog.indexOf(id).stream().mapToObj(catalog::get).findFirst();
      }

      @Override
      public String toString() {
        return "ItemStore[" + catalog.size() + " items in memory]";
      }
    };
  }
}
