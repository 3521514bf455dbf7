package io.recformer.infer.index;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable int array in chunks of {@link #CHUNK}: appending or replacing copies the chunk
 * pointers and the chunks touched, so an HNSW index derived by a cold-start addition shares the
 * rest with its predecessor (the same scheme as {@link TextFingerprints}).
 */
final class IntChunks {

  static final int CHUNK = 4096;
  private static final IntChunks EMPTY = new IntChunks(new int[0][], 0);

  private final int[][] chunks;
  private final int size;

  private IntChunks(int[][] chunks, int size) {
    this.chunks = chunks;
    this.size = size;
  }

  static IntChunks of(int[] values) {
    return EMPTY.appended(values);
  }

  int size() {
    return size;
  }

  int get(int index) {
    return chunks[index / CHUNK][index % CHUNK];
  }

  IntChunks appended(int[] values) {
    int total = Math.addExact(size, values.length);
    int chunkCount = (total + CHUNK - 1) / CHUNK;
    int[][] next = Arrays.copyOf(chunks, chunkCount);
    boolean lastCopied = false;
    int index = size;
    for (int value : values) {
      int c = index / CHUNK;
      if (c < chunks.length && !lastCopied) {
        next[c] = chunks[c].clone(); // the partly filled last chunk is shared with this array
        lastCopied = true;
      } else if (next[c] == null) {
        next[c] = new int[CHUNK];
      }
      next[c][index % CHUNK] = value;
      index++;
    }
    return new IntChunks(next, total);
  }

  IntChunks replaced(int[] indexes, int[] values) {
    int[][] next = chunks.clone();
    boolean[] copied = new boolean[next.length];
    for (int i = 0; i < indexes.length; i++) {
      int c = Objects.checkIndex(indexes[i], size) / CHUNK;
      if (!copied[c]) {
        next[c] = next[c].clone();
        copied[c] = true;
      }
      next[c][indexes[i] % CHUNK] = values[i];
    }
    return new IntChunks(next, size);
  }

  int[] toArray() {
    int[] out = new int[size];
    for (int c = 0; c * CHUNK < size; c++) {
      System.arraycopy(chunks[c], 0, out, c * CHUNK, Math.min(CHUNK, size - c * CHUNK));
    }
    return out;
  }
}
