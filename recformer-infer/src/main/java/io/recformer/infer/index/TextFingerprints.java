package io.recformer.infer.index;

import java.util.Arrays;

/**
 * The per-row text fingerprints of an index (0 = unknown), as an immutable array in chunks of
 * {@link #CHUNK} rows. Appending or replacing copies the chunk pointers and the chunks touched, not
 * the whole array, so cold-start additions to a million-row index stay cheap.
 */
final class TextFingerprints {

  static final int CHUNK = 4096;

  private final long[][] chunks;
  private final int size;

  private TextFingerprints(long[][] chunks, int size) {
    this.chunks = chunks;
    this.size = size;
  }

  static TextFingerprints of(long[] values) {
    return new TextFingerprints(new long[0][], 0).appended(values);
  }

  static TextFingerprints unknown(int rows) {
    return of(new long[rows]);
  }

  int size() {
    return size;
  }

  long get(int row) {
    return chunks[row / CHUNK][row % CHUNK];
  }

  TextFingerprints appended(long[] values) {
    int total = Math.addExact(size, values.length);
    int chunkCount = (total + CHUNK - 1) / CHUNK;
    long[][] next = Arrays.copyOf(chunks, chunkCount);
    int row = size;
    for (long value : values) {
      int c = row / CHUNK;
      if (next[c] == null || next[c] == (c < chunks.length ? chunks[c] : null)) {
        next[c] = c < chunks.length ? chunks[c].clone() : new long[CHUNK];
      }
      next[c][row % CHUNK] = value;
      row++;
    }
    return new TextFingerprints(next, total);
  }

  TextFingerprints replaced(int[] rows, long[] values) {
    long[][] next = chunks.clone();
    boolean[] copied = new boolean[next.length];
    for (int i = 0; i < rows.length; i++) {
      int c = rows[i] / CHUNK;
      if (!copied[c]) {
        next[c] = next[c].clone();
        copied[c] = true;
      }
      next[c][rows[i] % CHUNK] = values[i];
    }
    return new TextFingerprints(next, size);
  }

  /** All values as one array (for writing a file). */
  long[] toArray() {
    long[] out = new long[size];
    for (int c = 0; c * CHUNK < size; c++) {
      System.arraycopy(chunks[c], 0, out, c * CHUNK, Math.min(CHUNK, size - c * CHUNK));
    }
    return out;
  }
}
