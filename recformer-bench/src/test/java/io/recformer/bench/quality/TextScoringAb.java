package io.recformer.bench.quality;

import io.recformer.bench.baseline.IndexedExample;
import io.recformer.bench.baseline.MiniLmSentenceEncoder;
import io.recformer.bench.baseline.TextBaseline;
import io.recformer.core.item.Item;
import io.recformer.core.metrics.TargetRank;
import io.recformer.core.text.ItemText;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A/B of the text baseline's scoring on real data (not a unit test): the per-item dot product it
 * replaced against the tiled product, interleaved batch by batch in one process, checking that
 * every score is bit-identical and every target's rank counts equal. Item vectors are MiniLM's
 * (real) or, with {@code random}, random unit vectors of MiniLM's width (speed only, no encoder
 * run).
 *
 * <pre>
 * java -cp ... io.recformer.bench.quality.TextScoringAb data/amazon-games-llmrank 2000 minilm
 * </pre>
 */
public final class TextScoringAb {

  private TextScoringAb() {}

  public static void main(String[] args) throws Exception {
    Dataset dataset = Datasets.open(Path.of(args[0]));
    int users = Integer.parseInt(args[1]);
    boolean real = args.length < 3 || args[2].equals("minilm");
    EvaluationData eval = EvaluationData.of(dataset, users, 42);
    float[][] vectors;
    if (real) {
      List<String> texts = new ArrayList<>();
      for (Item item : dataset.items().items()) {
        texts.add(ItemText.flatten(item, 3));
      }
      try (MiniLmSentenceEncoder encoder = MiniLmSentenceEncoder.open(256, 1)) {
        vectors = encoder.embed(texts, 32);
      }
    } else {
      Random random = new Random(1);
      vectors = new float[eval.itemCount()][384];
      for (float[] v : vectors) {
        double norm = 0;
        for (int j = 0; j < v.length; j++) {
          v[j] = (float) random.nextGaussian();
          norm += v[j] * v[j];
        }
        for (int j = 0; j < v.length; j++) {
          v[j] /= (float) Math.sqrt(norm);
        }
      }
    }
    TextBaseline text = new TextBaseline(vectors, 0.6, "text");
    List<IndexedExample> test = eval.test();
    long oldNanos = 0;
    long newNanos = 0;
    long differentScores = 0;
    long differentRanks = 0;
    for (int from = 0; from < test.size(); from += 256) {
      List<IndexedExample> part = test.subList(from, Math.min(test.size(), from + 256));
      List<int[]> histories = part.stream().map(IndexedExample::history).toList();
      long t0 = System.nanoTime();
      float[][] before = perItem(text, vectors, histories);
      long t1 = System.nanoTime();
      float[][] after = text.score(histories);
      long t2 = System.nanoTime();
      oldNanos += t1 - t0;
      newNanos += t2 - t1;
      for (int u = 0; u < part.size(); u++) {
        for (int i = 0; i < vectors.length; i++) {
          differentScores +=
              Float.floatToRawIntBits(before[u][i]) == Float.floatToRawIntBits(after[u][i]) ? 0 : 1;
        }
        int target = part.get(u).target();
        differentRanks +=
            TargetRank.of(before[u], target).equals(TargetRank.of(after[u], target)) ? 0 : 1;
      }
    }
    double macs = (double) test.size() * vectors.length * vectors[0].length;
    System.out.printf(
        Locale.ROOT,
        "%s, %s vectors: %d users x %d items x %d dims%n"
            + "per-item loop %.1f s (%.2f GMAC/s), tiled %.1f s (%.2f GMAC/s), ratio %.1fx%n"
            + "scores differing: %d, target ranks differing: %d%n",
        dataset.name(),
        real ? "MiniLM" : "random",
        test.size(),
        vectors.length,
        vectors[0].length,
        oldNanos / 1e9,
        macs / oldNanos,
        newNanos / 1e9,
        macs / newNanos,
        (double) oldNanos / newNanos,
        differentScores,
        differentRanks);
  }

  /** The scoring loop before the tiled product: one dot product per item per history. */
  private static float[][] perItem(TextBaseline text, float[][] vectors, List<int[]> histories) {
    float[][] rows = new float[histories.size()][];
    for (int r = 0; r < rows.length; r++) {
      double[] h = text.historyVector(histories.get(r));
      float[] row = new float[vectors.length];
      for (int i = 0; i < vectors.length; i++) {
        float[] v = vectors[i];
        double s = 0;
        for (int j = 0; j < h.length; j++) {
          s += h[j] * v[j];
        }
        row[i] = (float) s;
      }
      rows[r] = row;
    }
    return rows;
  }
}
