package io.recformer.bench.baseline;

import java.util.Arrays;
import java.util.Locale;

/**
 * One evaluation example in catalog indices: the input history (oldest first) and the held-out next
 * item.
 *
 * @param history non-empty input history
 * @param target the item to predict
 */
// Arrays for speed: equals and hashCode below compare the history's contents.
@SuppressWarnings("ArrayRecordComponent")
public record IndexedExample(int[] history, int target) {

  public IndexedExample {
    if (history == null || history.length == 0) {
      throw new IllegalArgumentException(
          "history must hold at least one item, got " + (history == null ? "null" : "0 items"));
    }
    if (target < 0) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "target = %d must be >= 0", target));
    }
    history = history.clone();
  }

  @Override
  public int[] history() {
    return history.clone();
  }

  /** The history without a defensive copy, for hot loops that do not modify it. */
  int[] historyView() {
    return history;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IndexedExample other
        && other.target == target
        && Arrays.equals(other.history, history);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(history) + target;
  }

  @Override
  public String toString() {
    return "IndexedExample[history=" + Arrays.toString(history) + ", target=" + target + "]";
  }
}
