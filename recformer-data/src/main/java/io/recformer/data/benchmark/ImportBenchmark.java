package io.recformer.data.benchmark;

import io.recformer.data.importer.AmazonRawImporter;
import io.recformer.data.importer.Datasets;
import io.recformer.data.importer.ImportOptions;
import io.recformer.data.importer.ImportResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures import throughput and peak heap.
 *
 * <pre>
 * java -Xmx1g -cp ... io.recformer.data.benchmark.ImportBenchmark &lt;work-dir&gt; [review-MB] [gzip] [repo-root]
 * </pre>
 *
 * Generates (once) a synthetic raw review file of at least {@code review-MB} MB plus metadata in
 * {@code work-dir}, imports it and prints MB/s (file bytes on disk / wall time) and peak heap (the
 * sum of each heap pool's peak after a GC and a peak reset; an upper bound of the true peak, since
 * pools peak at different moments). With a repo root it also times the bundled datasets.
 */
public final class ImportBenchmark {

  private ImportBenchmark() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println(
          "usage: ImportBenchmark <work-dir> [review-MB, default 512] [gzip: true|false]"
              + " [repo-root]");
      System.exit(2);
    }
    Path work = Path.of(args[0]);
    long megabytes = args.length > 1 ? Long.parseLong(args[1]) : 512;
    boolean gzip = args.length > 2 && Boolean.parseBoolean(args[2]);
    Path reviews = work.resolve(gzip ? "Synthetic_5.json.gz" : "Synthetic_5.json");
    Path metadata = work.resolve(gzip ? "meta_Synthetic.json.gz" : "meta_Synthetic.json");
    if (!Files.exists(reviews) || !Files.exists(metadata)) {
      long start = System.nanoTime();
      RawAmazonGenerator.Generated generated =
          RawAmazonGenerator.generate(work, megabytes * 1_000_000L, gzip, 42L);
      System.out.printf(
          Locale.ROOT,
          "generated %d review lines, %d items, %d users in %.1f s%n",
          generated.reviewLines(),
          generated.items(),
          generated.users(),
          (System.nanoTime() - start) / 1e9);
    }
    long bytes = Files.size(reviews) + Files.size(metadata);
    resetPeaks();
    long start = System.nanoTime();
    ImportResult result =
        new AmazonRawImporter().importFiles(reviews, metadata, ImportOptions.defaults());
    double seconds = (System.nanoTime() - start) / 1e9;
    long peak = peakHeap();
    System.out.printf(Locale.ROOT, "raw Amazon import: %s%n", result.dataset());
    System.out.printf(
        Locale.ROOT,
        "| %s | %.1f MB | %.1f s | %.1f MB/s | %.0f MB | %s | %,d / %,d / %,d |%n",
        reviews.getFileName(),
        bytes / 1e6,
        seconds,
        bytes / 1e6 / seconds,
        peak / 1e6,
        Runtime.getRuntime().maxMemory() / 1_000_000 + " MB max heap",
        result.dataset().userCount(),
        result.dataset().itemCount(),
        result.dataset().interactionCount());
    if (args.length > 3) {
      Path repo = Path.of(args[3]);
      for (String name :
          List.of(
              "amazon-scientific-unisrec",
              "amazon-scientific-lcrec",
              "amazon-office-2014",
              "amazon-games-llmrank")) {
        Path dir = repo.resolve("data").resolve(name);
        long size = 0;
        try (var files = Files.list(dir)) {
          for (Path file : files.toList()) {
            size += Files.size(file);
          }
        }
        List<Double> times = new ArrayList<>();
        ImportResult last = null;
        resetPeaks();
        for (int run = 0; run < 5; run++) {
          long t = System.nanoTime();
          last = Datasets.importAuto(dir);
          times.add((System.nanoTime() - t) / 1e9);
        }
        long datasetPeak = peakHeap();
        times.sort(Double::compare);
        double median = times.get(times.size() / 2);
        System.out.printf(
            Locale.ROOT,
            "| %s | %.2f MB | median of 5: %.2f s (best %.2f s) | %.1f MB/s | peak heap %.0f MB |"
                + " %s |%n",
            name,
            size / 1e6,
            median,
            times.get(0),
            size / 1e6 / median,
            datasetPeak / 1e6,
            last.dataset());
      }
    }
  }

  private static void resetPeaks() {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
