package io.recformer.infer.recommend;

import io.recformer.core.item.Item;
import io.recformer.infer.catalog.Catalog;
import io.recformer.infer.catalog.CatalogView;
import io.recformer.infer.catalog.ItemStore;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.index.ExactItemIndex;
import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.QueryOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Bounded in-process load test of serving: the recommender's ranking path (one scan per request,
 * history excluded, item text looked up) on an index of random unit vectors, at concurrency 1, 8
 * and 32, single users and batches of 16; then the encoder alone (one history per call, one
 * intra-op thread, as {@link EncoderOptions#defaults()}) at the same concurrencies. Prints p50 and
 * p99 latency and throughput. Every run is bounded in requests and seconds. Not part of the test
 * suite (the name does not end in Test); {@link ServingLoadTest} is its small, correctness-only
 * version. Run with the Vector API and enough heap for the vectors (1M x 384 = 1.5 GB):
 *
 * <pre>
 * mvn -B -o -q -pl recformer-infer -am test-compile
 * mvn -B -o -q -pl recformer-infer dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx4g --add-modules jdk.incubator.vector \
 *     -cp recformer-infer/target/test-classes:recformer-infer/target/classes:$(cat /tmp/cp.txt) \
 *     io.recformer.infer.recommend.ServingBenchmark --items 1000000 --dim 384 \
 *     [--requests 400] [--seconds 60] [--scan-pool N] [--bundle DIR]
 * </pre>
 *
 * <p>{@code --bundle} times a real model's encoder; the default is the committed tiny test bundle,
 * which only shows the harness works (its encoder is far cheaper than a real one).
 */
public final class ServingBenchmark {

  private ServingBenchmark() {}

  public static void main(String[] args) throws Exception {
    int items = 1_000_000;
    int dim = 384;
    int requests = 400;
    int seconds = 60;
    int k = 10;
    int scanPool = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    Path bundle = RecommenderTest.bundle();
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--items" -> items = Integer.parseInt(args[i + 1]);
        case "--dim" -> dim = Integer.parseInt(args[i + 1]);
        case "--requests" -> requests = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--scan-pool" -> scanPool = Integer.parseInt(args[i + 1]);
        case "--bundle" -> bundle = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "Machine: %d processors, load average %.2f at start, Java %s; index %,d x %d random unit"
            + " vectors (heap), k %d, scan pool %d threads, %d requests or %d s per row%n%n",
        Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        System.getProperty("java.version"),
        items,
        dim,
        k,
        scanPool,
        requests,
        seconds);
    long start = System.nanoTime();
    ItemIndex index = randomIndex(items, dim, 42);
    System.out.printf(
        Locale.ROOT, "built the index in %.1f s%n", (System.nanoTime() - start) / 1e9);
    ItemStore texts = syntheticStore(items);
    ExecutorService pool =
        Executors.newFixedThreadPool(
            scanPool,
            r -> {
              Thread t = new Thread(r, "bench-scan");
              t.setDaemon(true);
              return t;
            });
    SplittableRandom random = new SplittableRandom(7);
    int users = 256;
    float[][] queries = new float[users][];
    List<List<Item>> histories = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      queries[u] = unit(random, dim);
      List<Item> history = new ArrayList<>();
      for (int h = 0; h < 5; h++) {
        history.add(texts.item("item-" + random.nextInt(items)).orElseThrow());
      }
      histories.add(history);
    }
    try (Catalog catalog = Catalog.inMemory(texts, index)) {
      CatalogView view = catalog.view();
      QueryOptions query = QueryOptions.DEFAULTS.withExecutor(pool);
      for (int i = 0; i < 20; i++) { // warm-up: JIT and page faults out of the first row
        Ranking.rank(
            view,
            new float[][] {queries[i]},
            List.of(histories.get(i)),
            k,
            RecommendOptions.DEFAULTS,
            query);
      }
      System.out.println(ServingLoad.HEADER);
      for (int concurrency : new int[] {1, 8, 32}) {
        ServingLoad.Result single =
            ServingLoad.run(
                concurrency,
                requests,
                seconds * 1000L,
                i ->
                    Ranking.rank(
                        view,
                        new float[][] {queries[i % users]},
                        List.of(histories.get(i % users)),
                        k,
                        RecommendOptions.DEFAULTS,
                        query));
        System.out.println(single.row("rank 1 user (scan + cut + text)"));
        ServingLoad.Result batched =
            ServingLoad.run(
                concurrency,
                Math.max(1, requests / 16),
                seconds * 1000L,
                i -> {
                  int from = (i * 16) % (users - 16);
                  Ranking.rank(
                      view,
                      Arrays.copyOfRange(queries, from, from + 16),
                      histories.subList(from, from + 16),
                      k,
                      RecommendOptions.DEFAULTS,
                      query);
                });
        System.out.println(batched.row("rank 16 users in one scan (requests/s x 16 = users/s)"));
      }
    } finally {
      pool.shutdown();
    }
    index = null; // let the vectors go before the encoder runs
    try (RecformerEncoder encoder = RecformerEncoder.open(bundle, EncoderOptions.defaults())) {
      List<List<Item>> encoderHistories = new ArrayList<>();
      List<Item> textItems = RecommenderServingTest.catalogItems(64);
      for (int u = 0; u < 64; u++) {
        encoderHistories.add(
            List.of(textItems.get(u), textItems.get((u * 7) % 64), textItems.get((u * 11) % 64)));
      }
      encoder.encodeHistories(encoderHistories); // warm-up
      for (int concurrency : new int[] {1, 8, 32}) {
        ServingLoad.Result encode =
            ServingLoad.run(
                concurrency,
                requests,
                seconds * 1000L,
                i -> encoder.encodeHistory(encoderHistories.get(i % 64)));
        System.out.println(encode.row("encode 1 history (" + bundle.getFileName() + ")"));
      }
    }
  }

  /** Unit vectors from a seeded generator, added in chunks so the heap holds them once. */
  static ItemIndex randomIndex(int items, int dim, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int chunk = 65_536;
    ItemIndex index = null;
    for (int from = 0; from < items; from += chunk) {
      int n = Math.min(chunk, items - from);
      List<String> ids = new ArrayList<>(n);
      float[][] vectors = new float[n][];
      for (int i = 0; i < n; i++) {
        ids.add("item-" + (from + i));
        vectors[i] = unit(random, dim);
      }
      index = index == null ? ExactItemIndex.build(ids, vectors, "bench") : index.add(ids, vectors);
    }
    return index;
  }

  static float[] unit(SplittableRandom random, int dim) {
    float[] v = new float[dim];
    double norm = 0;
    for (int i = 0; i < dim; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
      norm += (double) v[i] * v[i];
    }
    for (int i = 0; i < dim; i++) {
      v[i] = (float) (v[i] / Math.sqrt(norm));
    }
    return v;
  }

  /** Item text made from the id on demand, like a store that reads from disk: no heap per item. */
  static ItemStore syntheticStore(int items) {
    return new ItemStore() {
      @Override
      public int size() {
        return items;
      }

      @Override
      public Optional<Item> item(String id) {
        return Optional.of(Item.of(id, "title", "title of " + id, "brand", "brand"));
      }
    };
  }
}
