package io.recformer.infer.index;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/** Independent oracle: cosine of the raw vectors in double precision, every row, full sort. */
final class BruteForce {

  record Scored(int row, double score) {}

  private BruteForce() {}

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na) / Math.sqrt(nb);
  }

  /** All eligible rows sorted by score descending, then row ascending. */
  static List<Scored> ranking(float[][] items, float[] query, IntPredicate eligible) {
    List<Scored> all = new ArrayList<>();
    for (int row = 0; row < items.length; row++) {
      if (eligible.test(row)) {
        all.add(new Scored(row, cosine(query, items[row])));
      }
    }
    all.sort(Comparator.comparingDouble(Scored::score).reversed().thenComparingInt(Scored::row));
    return all;
  }

  static float[][] gaussian(int n, int dim, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[][] out = new float[n][dim];
    for (float[] v : out) {
      for (int i = 0; i < dim; i++) {
        v[i] = (float) gaussian(random);
      }
    }
    return out;
  }

  static double gaussian(SplittableRandom random) {
    // Box-Muller; SplittableRandom has no nextGaussian in Java 17
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  static List<String> ids(int n, String prefix) {
    List<String> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(prefix + i);
    }
    return ids;
  }
}
