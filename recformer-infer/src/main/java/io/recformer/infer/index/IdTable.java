package io.recformer.infer.index;

import java.util.HashMap;
import java.util.Map;

/**
 * Row ⇄ id mapping. Adding items layers a small table over the existing one instead of copying a
 * million-entry map for every cold-start addition; past {@link #MAX_DEPTH} layers the next addition
 * merges the added layers (the root, possibly the ids of a mapped file, is kept). The root of an
 * opened file is a {@link Utf8Ids}; every other layer holds strings and a hash map.
 */
final class IdTable {

  static final int MAX_DEPTH = 8;

  private final IdTable base;
  private final int baseSize;
  private final String[] ids;
  private final Map<String, Integer> rows;
  private final Utf8Ids utf8;
  private final int depth;

  private IdTable(IdTable base, String[] ids, Map<String, Integer> rows, Utf8Ids utf8) {
    this.base = base;
    this.baseSize = base == null ? 0 : base.size();
    this.ids = ids;
    this.rows = rows;
    this.utf8 = utf8;
    this.depth = base == null ? 1 : base.depth + 1;
  }

  /** A root table over the ids of an opened file. */
  static IdTable of(Utf8Ids ids) {
    return new IdTable(null, null, null, ids);
  }

  /**
   * A table of these ids (taken over); fails with {@link IllegalArgumentException} naming the first
   * duplicate or empty id.
   */
  static IdTable of(String[] ids) {
    return new IdTable(null, ids, indexOf(ids, null, 0), null);
  }

  private static Map<String, Integer> indexOf(String[] ids, IdTable base, int firstRow) {
    Map<String, Integer> map = new HashMap<>(Math.max(16, (int) (ids.length / 0.75f) + 1));
    for (int i = 0; i < ids.length; i++) {
      String id = ids[i];
      int row = firstRow + i;
      if (id == null || id.isEmpty()) {
        throw new IllegalArgumentException(
            "item id at row " + row + " is " + (id == null ? "null" : "empty"));
      }
      Integer previous = map.putIfAbsent(id, row);
      if (previous != null) {
        throw new IllegalArgumentException(
            "duplicate item id '" + id + "' at rows " + previous + " and " + row);
      }
      if (base != null) {
        int existing = base.rowOf(id);
        if (existing >= 0) {
          throw new IllegalArgumentException(
              "duplicate item id '" + id + "' at rows " + existing + " and " + row);
        }
      }
    }
    return map;
  }

  /** This table followed by {@code more} (none of which may be present already). */
  IdTable appended(String[] more) {
    Map<String, Integer> map = indexOf(more, this, size());
    IdTable layered = new IdTable(this, more, map, null);
    if (layered.depth <= MAX_DEPTH) {
      return layered;
    }
    IdTable root = this;
    while (root.base != null) {
      root = root.base;
    }
    String[] added = new String[layered.size() - root.size()];
    for (int i = 0; i < added.length; i++) {
      added[i] = layered.id(root.size() + i);
    }
    return new IdTable(root, added, indexOf(added, null, root.size()), null);
  }

  private int layerSize() {
    return utf8 != null ? utf8.size() : ids.length;
  }

  int size() {
    return baseSize + layerSize();
  }

  String id(int row) {
    if (row < 0 || row >= size()) {
      throw new IndexOutOfBoundsException("row " + row + " is outside [0, " + size() + ")");
    }
    IdTable table = this;
    while (row < table.baseSize) {
      table = table.base;
    }
    int local = row - table.baseSize;
    return table.utf8 != null ? table.utf8.id(local) : table.ids[local];
  }

  /** The row of {@code id}, or -1. */
  int rowOf(String id) {
    for (IdTable table = this; table != null; table = table.base) {
      if (table.utf8 != null) {
        int row = table.utf8.rowOf(id);
        if (row >= 0) {
          return row;
        }
      } else {
        Integer row = table.rows.get(id);
        if (row != null) {
          return row;
        }
      }
    }
    return -1;
  }

  int depth() {
    return depth;
  }
}
