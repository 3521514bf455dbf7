package io.recformer.infer.index;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Synthetic item vectors with cluster structure, standing in for text embeddings (which are far
 * from uniform on the sphere): {@code clusters} random unit centres; an item is its centre plus
 * Gaussian noise of norm about {@code spread}, normalized. Queries are drawn the same way, so they
 * are not copies of items. Seeded, so every run sees the same vectors.
 */
final class ClusteredVectors {

  private final float[][] centres;
  private final int dimension;
  private final double spread;
  private final Random random;

  ClusteredVectors(int clusters, int dimension, double spread, long seed) {
    this.dimension = dimension;
    this.spread = spread;
    this.random = new Random(seed);
    this.centres = new float[clusters][];
    for (int c = 0; c < clusters; c++) {
      centres[c] = normalized(gaussian(1.0));
    }
  }

  float[] next() {
    float[] centre = centres[random.nextInt(centres.length)];
    float[] noise = gaussian(spread / Math.sqrt(dimension));
    for (int i = 0; i < dimension; i++) {
      noise[i] += centre[i];
    }
    return normalized(noise);
  }

  float[][] next(int count) {
    float[][] out = new float[count][];
    for (int i = 0; i < count; i++) {
      out[i] = next();
    }
    return out;
  }

  static List<String> ids(String prefix, int count) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(prefix + i);
    }
    return ids;
  }

  private float[] gaussian(double sd) {
    float[] v = new float[dimension];
    for (int i = 0; i < dimension; i++) {
      v[i] = (float) (random.nextGaussian() * sd);
    }
    return v;
  }

  private static float[] normalized(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    double inv = 1 / Math.sqrt(sum);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (v[i] * inv);
    }
    return v;
  }

  /** Mean over queries of |approximate top k ∩ exact top k| / k (ids compared). */
  static double recall(ItemIndex approximate, ItemIndex exact, float[][] queries, int k) {
    double sum = 0;
    for (float[] q : queries) {
      List<String> truth = exact.topK(q, k).stream().map(ScoredItem::itemId).toList();
      long found =
          approximate.topK(q, k).stream().map(ScoredItem::itemId).filter(truth::contains).count();
      sum += (double) found / k;
    }
    return sum / queries.length;
  }
}
