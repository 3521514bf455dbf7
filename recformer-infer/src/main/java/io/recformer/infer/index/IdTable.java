package io.recformer.infer.index;

import java.util.HashMap;
import java.util.Map;

/**
 * Row ⇄ id mapping. Adding items layers a small table over the existing one instead of copying a
 * million-entry map for every cold-start addition; past {@link #MAX_DEPTH} layers the next addition
 * flattens them.
 */
final class IdTable {

  static final int MAX_DEPTH = 8;

  private final IdTable base;
  private final int baseSize;
  private final String[] ids;
  private final Map<String, Integer> rows;
  private final int depth;

  private IdTable(IdTable base, String[] ids, Map<String, Integer> rows) {
    this.base = base;
    this.baseSize = base == null ? 0 : base.size();
    this.ids = ids;
    this.rows = rows;
    this.depth = base == null ? 1 : base.depth + 1;
  }

  /**
   * A table of these ids (taken over); fails with {@link IllegalArgumentException} naming the
   * first duplicate or empty id.
   */
  static IdTable of(String[] ids) {
    return new IdTable(null, ids, indexOf(ids, null, 0));
  }

  private static Map<String, Integer> indexOf(String[] ids, IdTable base, int firstRow) {
    Map<String, Integer> map = new HashMap<>(Math.max(16, (int) (ids.length / 0.75f) + 1));
    for (int i = 0; i < ids.length; i++) {
      String id = ids[i];
      int row = firstRow + i;
      if (id == null || id.isEmpty()) {
        throw new IllegalArgumentException("item id at row " + row + " is " + (id == null ? "null" : "empty"));
      }
      Integer previous = map.putIfAbsent(id, row);
      if (previous != null) {
        throw new IllegalArgumentException("duplicate item id '" + id + "' at rows " + previous + " and " + row);
      }
      if (base != null) {
        int existing = base.rowOf(id);
        if (existing >= 0) {
          throw new IllegalArgumentException("duplicate item id '" + id + "' at rows " + existing + " and " + row);
        }
      }
    }
    return map;
  }

  /** This table followed by {@code more} (none of which may be present already). */
  IdTable appended(String[] more) {
    Map<String, Integer> map = indexOf(more, this, size());
    IdTable layered = new IdTable(this, more, map);
    return layered.depth > MAX_DEPTH ? of(layered.toArray()) : layered;
  }

  int size() {
    return baseSize + ids.length;
  }

  String id(int row) {
    if (row < 0 || row >= size()) {
      throw new IndexOutOfBoundsException("row " + row + " is outside [0, " + size() + ")");
    }
    IdTable table = this;
    while (row < table.baseSize) {
      table = table.base;
    }
    return table.ids[row - table.baseSize];
  }

  /** The row of {@code id}, or -1. */
  int rowOf(String id) {
    for (IdTable table = this; table != null; table = table.base) {
      Integer row = table.rows.get(id);
      if (row != null) {
        return row;
      }
    }
    return -1;
  }

  String[] toArray() {
    String[] out = new String[size()];
    for (IdTable table = this; table != null; table = table.base) {
      System.arraycopy(table.ids, 0, out, table.baseSize, table.ids.length);
    }
    return out;
  }
}
