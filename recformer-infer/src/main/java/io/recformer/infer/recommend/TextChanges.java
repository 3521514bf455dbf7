package io.recformer.infer.recommend;

import io.recformer.core.item.Item;
import io.recformer.infer.catalog.TextFingerprint;
import io.recformer.infer.index.ItemIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * Compares a catalog with an index: items the index lacks, and items whose text fingerprint differs
 * from the one stored with their row (their vector was computed from other text).
 *
 * @param changed catalog items whose text changed since their row was embedded
 * @param missing catalog items the index does not hold
 * @param unknown rows whose text fingerprint is unknown (format-1 files, stored item matrices):
 *     their text cannot be compared
 */
record TextChanges(List<Item> changed, List<Item> missing, int unknown) {

  TextChanges {
    changed = List.copyOf(changed);
    missing = List.copyOf(missing);
  }

  static TextChanges compare(ItemIndex index, List<Item> catalog, int maxAttributes) {
    List<Item> changed = new ArrayList<>();
    List<Item> missing = new ArrayList<>();
    int unknown = 0;
    for (Item item : catalog) {
      OptionalInt row = index.rowOf(item.id());
      if (row.isEmpty()) {
        missing.add(item);
        continue;
      }
      long stored = index.textFingerprint(row.getAsInt());
      if (stored == TextFingerprint.UNKNOWN) {
        unknown++;
      } else if (stored != TextFingerprint.of(item, maxAttributes)) {
        changed.add(item);
      }
    }
    return new TextChanges(changed, missing, unknown);
  }

  /** "3 items ('a', 'b', 'c')", at most ten ids named. */
  static String describe(List<Item> items) {
    String ids =
        items.stream().limit(10).map(i -> "'" + i.id() + "'").collect(Collectors.joining(", "));
    return items.size()
        + " item"
        + (items.size() == 1 ? "" : "s")
        + " ("
        + ids
        + (items.size() > 10 ? ", ..." : "")
        + ")";
  }
}
