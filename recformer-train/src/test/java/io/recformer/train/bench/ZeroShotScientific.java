package io.recformer.train.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.MetricAccumulator;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.metrics.TiePolicy;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.eval.RankingEvaluator;
import io.recformer.train.model.EncoderOutput;
import io.recformer.train.model.PyTorchThreads;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.MiniLmImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Zero-shot sanity run on the bundled UniSRec Scientific split: the MiniLM-initialized Recformer
 * (no Recformer pre-training) ranks all items for a seeded subsample of test users, with CLS and
 * masked-mean pooling computed from the same forward passes, next to popularity. Prints Markdown.
 *
 * <pre>
 * java -cp ... io.recformer.train.bench.ZeroShotScientific [dataDir] [users] [maxTokens] [seed]
 * </pre>
 */
public final class ZeroShotScientific {

  private ZeroShotScientific() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args.length > 0 ? args[0] : "data/amazon-scientific-unisrec");
    int users = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int maxTokens = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    long seed = args.length > 3 ? Long.parseLong(args[3]) : 42;
    long start = System.nanoTime();
    Dataset dataset = Datasets.importAuto(data).dataset();
    LeaveOneOutSplit split = LeaveOneOutSplit.of(dataset);
    List<Example> test = new ArrayList<>(split.test());
    if (users > 0 && users < test.size()) {
      Collections.shuffle(test, new Random(seed));
      test = new ArrayList<>(test.subList(0, users));
    }
    RecformerConfig config = RecformerConfig.miniLmL6().toBuilder().maxTokens(maxTokens).build();
    Path tmp = Files.createTempDirectory("zeroshot");
    Path json = tmp.resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(json);
    ItemCatalog catalog = dataset.items();
    StringBuilder out = new StringBuilder();
    try (RecformerTokenizer tokenizer = RecformerTokenizer.open(json, config);
        NDManager manager = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, seed)) {
      model.loadWeights(MiniLmImporter.importFromClasspath(config, seed));
      ItemTokenCache cache = new ItemTokenCache(tokenizer, catalog).tokenizeAll();
      BatchCollator collator = BatchCollator.forLongformer(config, tokenizer.padId());
      List<EncodedSequence> itemSeqs = new ArrayList<>();
      for (int i = 0; i < catalog.size(); i++) {
        itemSeqs.add(cache.encodeItem(i));
      }
      List<EncodedSequence> userSeqs = new ArrayList<>();
      for (Example e : test) {
        userSeqs.add(cache.encodeHistory(e.history()));
      }
      float[][] items = encode(model, collator, itemSeqs, manager);
      System.err.printf(
          Locale.ROOT, "items encoded after %.0f s%n", (System.nanoTime() - start) / 1e9);
      float[][] hist = encode(model, collator, userSeqs, manager);
      System.err.printf(
          Locale.ROOT, "histories encoded after %.0f s%n", (System.nanoTime() - start) / 1e9);
      int[] targets = new int[test.size()];
      int[][] histories = new int[test.size()][];
      for (int u = 0; u < test.size(); u++) {
        targets[u] = catalog.requireIndex(test.get(u).targetItemId());
        List<String> ids = test.get(u).history().itemIds();
        histories[u] = ids.stream().mapToInt(catalog::requireIndex).toArray();
      }
      String header = null;
      for (int p = 0; p < 2; p++) {
        for (HistoryPolicy hp : HistoryPolicy.values()) {
          MetricAccumulator acc = new MetricAccumulator(TiePolicy.ORIGINAL, hp);
          int d = config.hiddenSize();
          for (int u = 0; u < test.size(); u++) {
            float[] scores = new float[catalog.size()];
            for (int j = 0; j < scores.length; j++) {
              float s = 0;
              for (int k = 0; k < d; k++) {
                s += hist[p][u * d + k] * items[p][j * d + k];
              }
              scores[j] = s;
            }
            acc.add(scores, targets[u], histories[u]);
          }
          MetricReport r = acc.report();
          if (header == null) {
            header = r.markdownHeader("model");
            out.append(header).append('\n');
          }
          out.append(
                  r.markdownRow(
                      String.format(
                          Locale.ROOT,
                          "MiniLM zero-shot, %s pooling, history %s",
                          p == 0 ? "CLS" : "mean",
                          hp)))
              .append('\n');
        }
      }
      for (HistoryPolicy hp : HistoryPolicy.values()) {
        for (TiePolicy tp : new TiePolicy[] {TiePolicy.ORIGINAL, TiePolicy.EXPECTED}) {
          MetricReport pop =
              new RankingEvaluator(tp, hp, 256).popularity(catalog, split.train(), test);
          out.append(
                  pop.markdownRow(
                      String.format(Locale.ROOT, "popularity (ties %s), history %s", tp, hp)))
              .append('\n');
        }
      }
    }
    out.append(
        String.format(
            Locale.ROOT,
            "%n%d test users (seed %d subsample of %d), %d items, maxTokens %d, %d intra-op"
                + " threads, %.0f s wall%n",
            test.size(),
            seed,
            split.test().size(),
            catalog.size(),
            maxTokens,
            PyTorchThreads.intraOpThreads(),
            (System.nanoTime() - start) / 1e9));
    System.out.println(out);
  }

  /** Normalized CLS [0] and masked-mean [1] encodings from one forward pass per batch. */
  static float[][] encode(
      RecformerModel model, BatchCollator collator, List<EncodedSequence> seqs, NDManager manager) {
    int n = seqs.size();
    int d = model.config().hiddenSize();
    float[][] out = {new float[n * d], new float[n * d]};
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingInt(i -> seqs.get(i).length()));
    int batch = 32;
    for (int from = 0; from < n; from += batch) {
      int to = Math.min(n, from + batch);
      List<EncodedSequence> b = new ArrayList<>();
      for (int k = from; k < to; k++) {
        b.add(seqs.get(order.get(k)));
      }
      try (NDManager scope = manager.newSubManager()) {
        EncodedBatch eb = collator.collate(b);
        EncoderOutput o = model.encode(scope, eb, false);
        NDArray hidden = o.hiddenStates();
        float[] m = new float[eb.attentionMask().length];
        for (int i = 0; i < m.length; i++) {
          m[i] = eb.attentionMask()[i];
        }
        NDArray mask = scope.create(m, new Shape(to - from, eb.length(), 1));
        NDArray cls = hidden.get(":, 0, :").normalize(2, 1, 1e-8);
        NDArray mean =
            hidden.mul(mask).sum(new int[] {1}).div(mask.sum(new int[] {1})).normalize(2, 1, 1e-8);
        float[] c = cls.toFloatArray();
        float[] me = mean.toFloatArray();
        for (int k = from; k < to; k++) {
          System.arraycopy(c, (k - from) * d, out[0], order.get(k) * d, d);
          System.arraycopy(me, (k - from) * d, out[1], order.get(k) * d, d);
        }
      }
      if ((from / batch) % 20 == 0) {
        System.err.printf(Locale.ROOT, "%d/%d%n", to, n);
      }
    }
    return out;
  }
}
