package io.recformer.data.importer;

import io.recformer.core.item.UserHistory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Interactions collected in file order with bounded per-interaction memory: three primitive columns
 * (user index, item index, timestamp; 16 bytes per interaction) and one interned string per
 * distinct user. The full Amazon 2018 data has millions of users, so per-user objects are only
 * built once at the end.
 */
final class InteractionTable {

  static final long NO_TIMESTAMP = Long.MIN_VALUE;

  private final Map<String, Integer> userIndex = new HashMap<>();
  private final List<String> userIds = new ArrayList<>();
  private int[] users = new int[1024];
  private int[] items = new int[1024];
  private long[] timestamps = new long[1024];
  private int size;

  void add(String userId, int item, long timestamp) {
    Integer user = userIndex.get(userId);
    if (user == null) {
      user = userIds.size();
      userIndex.put(userId, user);
      userIds.add(userId);
    }
    if (size == users.length) {
      int grown = Math.max(16, (int) Math.min(Integer.MAX_VALUE - 8, (long) size + (size >> 1)));
      users = Arrays.copyOf(users, grown);
      items = Arrays.copyOf(items, grown);
      timestamps = Arrays.copyOf(timestamps, grown);
    }
    users[size] = user;
    items[size] = item;
    timestamps[size] = timestamp;
    size++;
  }

  int size() {
    return size;
  }

  int userCount() {
    return userIds.size();
  }

  /** How often each item index occurs. */
  int[] itemCounts(int itemCount) {
    int[] counts = new int[itemCount];
    for (int i = 0; i < size; i++) {
      counts[items[i]]++;
    }
    return counts;
  }

  /**
   * One history per user in order of first appearance, sorted by timestamp when known; ties (and
   * all interactions when timestamps are unknown) keep file order, so the result is deterministic.
   *
   * @param itemIds item id by item index; interactions whose entry is null are left out, and so are
   *     users left with no interaction
   */
  List<UserHistory> histories(String[] itemIds, boolean withTimestamps) {
    int userCount = userIds.size();
    int[] start = new int[userCount + 1];
    for (int i = 0; i < size; i++) {
      start[users[i] + 1]++;
    }
    for (int u = 0; u < userCount; u++) {
      start[u + 1] += start[u];
    }
    // Counting sort by user: stable, so each user's rows stay in file order.
    int[] order = new int[size];
    int[] next = Arrays.copyOf(start, userCount);
    for (int i = 0; i < size; i++) {
      order[next[users[i]]++] = i;
    }
    List<UserHistory> result = new ArrayList<>(userCount);
    for (int u = 0; u < userCount; u++) {
      int from = start[u];
      int to = start[u + 1];
      if (withTimestamps) {
        sortByTimestamp(order, from, to);
      }
      List<String> ids = new ArrayList<>(to - from);
      List<Long> times = new ArrayList<>(withTimestamps ? to - from : 0);
      for (int k = from; k < to; k++) {
        int row = order[k];
        String itemId = itemIds[items[row]];
        if (itemId == null) {
          continue;
        }
        ids.add(itemId);
        if (withTimestamps) {
          times.add(timestamps[row]);
        }
      }
      if (!ids.isEmpty()) {
        result.add(new UserHistory(userIds.get(u), ids, times));
      }
    }
    return result;
  }

  /**
   * Stable insertion/merge sort of rows by timestamp; ties keep file order (rows are ascending).
   */
  private void sortByTimestamp(int[] order, int from, int to) {
    int n = to - from;
    if (n < 2) {
      return;
    }
    long[] keys = new long[n];
    boolean sorted = true;
    for (int k = 0; k < n; k++) {
      keys[k] = timestamps[order[from + k]];
      if (k > 0 && keys[k] < keys[k - 1]) {
        sorted = false;
      }
    }
    if (sorted) {
      return;
    }
    Integer[] positions = new Integer[n];
    for (int k = 0; k < n; k++) {
      positions[k] = k;
    }
    // Arrays.sort on objects is a stable merge sort; equal timestamps keep their file order.
    Arrays.sort(positions, (a, b) -> Long.compare(keys[a], keys[b]));
    int[] rows = Arrays.copyOfRange(order, from, to);
    for (int k = 0; k < n; k++) {
      order[from + k] = rows[positions[k]];
    }
  }
}
