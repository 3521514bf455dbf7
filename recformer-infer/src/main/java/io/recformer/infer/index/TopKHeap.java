package io.recformer.infer.index;

/**
 * The best {@code capacity} (score, row) pairs seen so far, as a binary min-heap whose root is the
 * worst kept entry. "Better" means a higher score, or an equal score and a lower row.
 */
final class TopKHeap {

  private final float[] scores;
  private final int[] rows;
  private int size;

  TopKHeap(int capacity) {
    this.scores = new float[capacity];
    this.rows = new int[capacity];
  }

  int size() {
    return size;
  }

  /**
   * Whether an entry with this score could enter. Exact for the scan, which visits the rows of a
   * partition in ascending order: an equal score from a later row is never better.
   */
  boolean accepts(float score) {
    return size < scores.length || score > scores[0];
  }

  float score(int i) {
    return scores[i];
  }

  int row(int i) {
    return rows[i];
  }

  /** Adds the entry if it is better than the worst kept one (or the heap is not full). */
  void offer(float score, int row) {
    if (scores.length == 0) {
      return;
    }
    if (size < scores.length) {
      int i = size++;
      // sift up
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (!worse(score, row, scores[parent], rows[parent])) {
          break;
        }
        scores[i] = scores[parent];
        rows[i] = rows[parent];
        i = parent;
      }
      scores[i] = score;
      rows[i] = row;
      return;
    }
    if (!worse(scores[0], rows[0], score, row)) {
      return;
    }
    // replace the root and sift down
    int i = 0;
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && worse(scores[right], rows[right], scores[child], rows[child])) {
        child = right;
      }
      if (!worse(scores[child], rows[child], score, row)) {
        break;
      }
      scores[i] = scores[child];
      rows[i] = rows[child];
      i = child;
    }
    scores[i] = score;
    rows[i] = row;
  }

  /** Whether (s1, r1) ranks below (s2, r2). */
  static boolean worse(float s1, int r1, float s2, int r2) {
    return s1 < s2 || (s1 == s2 && r1 > r2);
  }
}
