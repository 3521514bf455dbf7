package io.recformer.infer.index;

import java.util.Arrays;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;

/**
 * The normalized vectors of an HNSW graph's nodes, append-only, in heap chunks of {@link
 * #CHUNK_NODES} nodes (a chunk is never moved, so growing copies only the chunk pointers). Scores
 * are inner products computed by the same {@link Kernel} as the exact scan, so a score returned by
 * the HNSW index is bit-identical to the exact index's score of the same pair.
 *
 * <p>Not synchronized: {@link HnswGraphState} appends under its write lock and reads under its read
 * lock.
 */
final class NodeVectors {

  static final int CHUNK_NODES = 4096;

  private final int dimension;
  private final Kernel kernel;
  private float[][] chunks = new float[0][];
  private int size;

  NodeVectors(int dimension, Kernel kernel) {
    this.dimension = dimension;
    this.kernel = kernel;
  }

  int dimension() {
    return dimension;
  }

  int size() {
    return size;
  }

  Kernel kernel() {
    return kernel;
  }

  /** Appends {@code count} normalized rows from {@code flat[offset ..]}; returns the first node. */
  int append(float[] flat, int offset, int count) {
    int first = size;
    int needed = (size + count + CHUNK_NODES - 1) / CHUNK_NODES;
    if (needed > chunks.length) {
      chunks = Arrays.copyOf(chunks, Math.max(needed, chunks.length * 2));
    }
    for (int i = 0; i < count; i++) {
      int node = size + i;
      int c = node / CHUNK_NODES;
      if (chunks[c] == null) {
        chunks[c] = new float[CHUNK_NODES * dimension];
      }
      System.arraycopy(
          flat, offset + i * dimension, chunks[c], (node % CHUNK_NODES) * dimension, dimension);
    }
    size += count;
    return first;
  }

  /** The chunk holding {@code node}; its row starts at {@link #offset}. */
  float[] chunk(int node) {
    return chunks[node / CHUNK_NODES];
  }

  int offset(int node) {
    return (node % CHUNK_NODES) * dimension;
  }

  float[] copy(int node) {
    int off = offset(node);
    return Arrays.copyOfRange(chunk(node), off, off + dimension);
  }

  /** {@code query . vector(node)}. */
  float dot(float[] query, int node) {
    return kernel.dot(query, chunk(node), offset(node), dimension);
  }

  /** Scores nodes against a (normalized) query vector by inner product (= cosine). */
  RandomVectorScorer scorer(float[] query) {
    return new RandomVectorScorer() {
      @Override
      public float score(int node) {
        return dot(query, node);
      }

      @Override
      public int maxOrd() {
        return size;
      }
    };
  }

  /** What Lucene's graph builder uses to compare nodes with each other. */
  RandomVectorScorerSupplier scorerSupplier() {
    return new RandomVectorScorerSupplier() {
      @Override
      public RandomVectorScorer scorer(int node) {
        return NodeVectors.this.scorer(NodeVectors.this.copy(node));
      }

      @Override
      public RandomVectorScorerSupplier copy() {
        return this;
      }
    };
  }
}
