package io.recformer.bench.quantization;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.BundleManifest;
import io.recformer.core.format.BundleQuantization.Granularity;
import io.recformer.core.format.Provenance;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.MetricAccumulator;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.metrics.TiePolicy;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.train.export.Int8Quantization;
import io.recformer.train.export.OnnxExporter;
import io.recformer.train.model.AttentionMode;
import io.recformer.train.weights.MiniLmImporter;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Parity and speed of an int8 bundle against the float32 bundle of the same weights: the zero-shot
 * Recformer initialized from all-MiniLM-L6-v2 (no network), both exported with {@link OnnxExporter}
 * and served by {@link RecformerEncoder}. Reports the per-item cosine between the two bundles' item
 * vectors over the catalog, Recall@10 / NDCG@10 of each on the leave-one-out test users (full
 * ranking, original ties, history kept: the published protocol), and items/s and histories/s of
 * each. {@code --sensitivity} also quantizes one Linear layer at a time (all others float32) to
 * find the layers whose int8 error costs most.
 *
 * <p>Over 400 lines because its options, the parity pass, the ranking pass and the interleaved
 * timing are one comparison of two bundles built in the same run.
 */
@Command(
    name = "quantization",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Int8 vs float32 bundle of the zero-shot MiniLM-initialized Recformer: per-item cosine,"
            + " Recall@10/NDCG@10 on the test users, items/s and histories/s (float32 and int8"
            + " alternating).")
public final class QuantizationBenchmark implements Callable<Integer> {

  @Option(
      names = "--data",
      defaultValue = "data/amazon-scientific-unisrec",
      description = "Dataset (saved or source directory) (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--out", description = "Directory for results.md and results.json (optional).")
  Path out;

  @Option(
      names = "--granularity",
      defaultValue = "per-channel",
      description = "Weight scales: per-channel or per-tensor (default: ${DEFAULT-VALUE}).")
  String granularity;

  @Option(
      names = "--float32-layers",
      split = ",",
      description = "Linear layers kept in float32 (names as in the manifest).")
  List<String> float32Layers = new ArrayList<>();

  @Option(
      names = "--calibration",
      defaultValue = "256",
      description =
          "Catalog items of --calibration-data (spread over its catalog) the float32 model is"
              + " calibrated on (0 = no outlier channels) (default: ${DEFAULT-VALUE}).")
  int calibration;

  @Option(
      names = "--calibration-data",
      defaultValue = "data/amazon-office-2014",
      description =
          "Dataset whose catalog items calibrate the activation ranges; another dataset than"
              + " --data so that the parity numbers are measured on items the calibration never"
              + " saw (default: ${DEFAULT-VALUE}).")
  Path calibrationData;

  @Option(
      names = "--rounds",
      defaultValue = "5",
      description =
          "Timed rounds over the items, float32 and int8 alternating; the speed-up reported is"
              + " the median of the per-round ratios (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--timed-items",
      defaultValue = "512",
      description =
          "Items per timed round, spread over the catalog (0 = all compared items) (default:"
              + " ${DEFAULT-VALUE}).")
  int timedItems;

  @Option(
      names = "--outlier-threshold",
      defaultValue = "1.5",
      description =
          "Channels above this multiple of the median channel range run in float32 (default:"
              + " ${DEFAULT-VALUE}).")
  double outlierThreshold;

  @Option(
      names = "--max-tokens",
      defaultValue = "256",
      description = "Tokens per sequence (default: ${DEFAULT-VALUE}, as the quality benchmark).")
  int maxTokens;

  @Option(
      names = "--attention",
      defaultValue = "SLIDING_WINDOW",
      description =
          "Attention layout of both bundles: SLIDING_WINDOW (the export default, by max tokens),"
              + " DENSE_BAND or CHUNKED.")
  AttentionMode attention;

  @Option(
      names = "--pooling",
      defaultValue = "MEAN",
      description = "MEAN or CLS (default: ${DEFAULT-VALUE}, as the quality benchmark).")
  Pooling pooling;

  @Option(
      names = "--items",
      defaultValue = "0",
      description = "Catalog items compared, from the start (0 = all).")
  int items;

  @Option(
      names = "--users",
      defaultValue = "0",
      description = "Test users evaluated, from the start (0 = all, -1 = skip the ranking).")
  int users;

  @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime intra-op threads.")
  int threads;

  @Option(names = "--batch-size", defaultValue = "32", description = "Sequences per call.")
  int batchSize;

  @Option(
      names = "--sensitivity",
      description = "Also quantize one layer at a time and report each one's minimum cosine.")
  boolean sensitivity;

  @Option(names = "--seed", defaultValue = "42", description = "Seeds the item-position table.")
  long seed;

  public static void main(String[] args) {
    System.exit(new CommandLine(new QuantizationBenchmark()).execute(args));
  }

  private static final Logger LOG = LoggerFactory.getLogger(QuantizationBenchmark.class);

  @Override
  public Integer call() throws IOException {
    if (rounds < 1) {
      throw new IllegalArgumentException("--rounds = " + rounds + " must be >= 1");
    }
    String load = Files.readString(Path.of("/proc/loadavg")).trim();
    Dataset dataset = Datasets.open(data);
    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder().maxTokens(maxTokens).pooling(pooling).build();
    Map<String, WeightTensor> weights = MiniLmImporter.importFromClasspath(config, seed);
    ItemCatalog catalog = dataset.items();
    Path work = Files.createTempDirectory("recformer-quantization-bench");
    StringBuilder md = new StringBuilder();
    try {
      Path tokenizer = work.resolve("tokenizer.json");
      MiniLmImporter.copyTokenizerJson(tokenizer);
      Provenance provenance =
          Provenance.capture(dataset.fingerprint(), seed, Map.of("task", "quantization-bench"));
      Int8Quantization int8 =
          new Int8Quantization(
              Granularity.fromJson(granularity), float32Layers, List.of(), outlierThreshold);
      if (calibration > 0) {
        try (RecformerTokenizer t = RecformerTokenizer.open(tokenizer, config)) {
          int8 = int8.withCalibrationItems(t, Datasets.open(calibrationData).items(), calibration);
        }
      }
      Path fp32Bundle = work.resolve("fp32");
      Path int8Bundle = work.resolve("int8");
      OnnxExporter.writeBundle(
          config, weights, tokenizer, provenance, fp32Bundle, Optional.empty(), attention);
      BundleManifest m =
          OnnxExporter.writeBundle(
              config, weights, tokenizer, provenance, int8Bundle, Optional.of(int8), attention);
      EncoderOptions options =
          EncoderOptions.defaults().withIntraOpThreads(threads).withBatchSize(batchSize);
      int itemCount = items <= 0 ? catalog.size() : Math.min(items, catalog.size());
      List<Example> test = LeaveOneOutSplit.of(dataset).test();
      int userCount = users < 0 ? 0 : users == 0 ? test.size() : Math.min(users, test.size());
      test = test.subList(0, userCount);
      TimedRun fp32;
      TimedRun q;
      double[] speedUps;
      List<EncodedSequence> itemSeqs = new ArrayList<>(itemCount);
      try (RecformerEncoder a = RecformerEncoder.open(fp32Bundle, options);
          RecformerEncoder b = RecformerEncoder.open(int8Bundle, options)) {
        ItemTokenCache cache = new ItemTokenCache(a.tokenizer(), catalog).tokenizeAll();
        for (int i = 0; i < itemCount; i++) {
          itemSeqs.add(cache.encodeItem(i));
        }
        List<EncodedSequence> historySeqs = new ArrayList<>(userCount);
        for (Example e : test) {
          historySeqs.add(cache.encodeHistory(e.history()));
        }
        fp32 = TimedRun.start(a, itemSeqs);
        q = TimedRun.start(b, itemSeqs);
        // Alternate the two bundles, round by round, so that a change in the machine's load hits
        // both alike; the median ratio of the rounds is the speed-up.
        int timed = timedItems <= 0 ? itemCount : Math.min(timedItems, itemCount);
        List<EncodedSequence> timedSeqs = new ArrayList<>(timed);
        for (int i = 0; i < timed; i++) {
          timedSeqs.add(itemSeqs.get((int) ((long) i * itemCount / timed)));
        }
        speedUps = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          double fp32Seconds = TimedRun.seconds(a, timedSeqs);
          double int8Seconds = TimedRun.seconds(b, timedSeqs);
          speedUps[r] = fp32Seconds / int8Seconds;
          LOG.info(
              "round {} of {}: float32 {} items/s, int8 {} items/s, ratio {}",
              r + 1,
              rounds,
              String.format(Locale.ROOT, "%.1f", timed / fp32Seconds),
              String.format(Locale.ROOT, "%.1f", timed / int8Seconds),
              String.format(Locale.ROOT, "%.2f", speedUps[r]));
        }
        fp32.histories(historySeqs);
        q.histories(historySeqs);
      }
      double[] cosine = new double[itemCount];
      for (int i = 0; i < itemCount; i++) {
        cosine[i] = dot(fp32.itemVectors[i], q.itemVectors[i]);
      }
      double[] sorted = cosine.clone();
      Arrays.sort(sorted);
      long below = Arrays.stream(cosine).filter(c -> c < 0.999).count();
      line(md, "# Int8 vs float32 bundle");
      line(md, "");
      line(
          md,
          "Model: zero-shot Recformer from all-MiniLM-L6-v2 (6 x 384), %d max tokens, %s pooling,"
              + " attention %s; data %s (%d items, %d test users); ONNX Runtime CPU, %d intra-op"
              + " threads, batch %d; int8: %s, calibration items from %s.",
          maxTokens,
          pooling,
          attention,
          data,
          catalog.size(),
          LeaveOneOutSplit.of(dataset).test().size(),
          threads,
          batchSize,
          m.quantization().orElseThrow().summary(),
          calibration > 0 ? calibrationData : "none");
      line(
          md,
          "Machine: %d processors; load average at start %s; commit %s.",
          Runtime.getRuntime().availableProcessors(),
          load,
          provenance.gitCommit());
      line(md, "");
      line(md, "| items | min cosine | 0.1%% quantile | median | mean | items below 0.999 |");
      line(md, "|---:|---:|---:|---:|---:|---:|");
      line(
          md,
          "| %d | %.6f | %.6f | %.6f | %.6f | %d |",
          itemCount,
          sorted[0],
          sorted[(int) Math.floor(0.001 * (itemCount - 1))],
          sorted[itemCount / 2],
          Arrays.stream(cosine).average().orElse(Double.NaN),
          below);
      line(md, "");
      MetricReport fp32Metrics = null;
      MetricReport int8Metrics = null;
      if (userCount > 0 && itemCount == catalog.size()) {
        fp32Metrics = metrics(fp32, test, catalog);
        int8Metrics = metrics(q, test, catalog);
        line(md, "| bundle | users | Recall@10 | NDCG@10 |");
        line(md, "|---|---:|---:|---:|");
        line(md, row("float32", userCount, fp32Metrics));
        line(md, row("int8", userCount, int8Metrics));
        line(
            md,
            "%nRecall@10 difference (int8 - float32): %+.4f; NDCG@10: %+.4f.",
            int8Metrics.get("Recall@10") - fp32Metrics.get("Recall@10"),
            int8Metrics.get("NDCG@10") - fp32Metrics.get("NDCG@10"));
        line(md, "");
      }
      line(md, "| bundle | items/s | items per CPU-second | histories/s | histories per CPU-s |");
      line(md, "|---|---:|---:|---:|---:|");
      line(md, fp32.speedRow("float32"));
      line(md, q.speedRow("int8"));
      double[] ratios = speedUps.clone();
      Arrays.sort(ratios);
      line(
          md,
          "%nSpeed-up int8 / float32, items, interleaved: median %.2fx over %d rounds of %d items"
              + " (per round: %s).",
          rounds == 0 ? Double.NaN : ratios[rounds / 2],
          rounds,
          timedItems <= 0 ? itemCount : Math.min(timedItems, itemCount),
          Arrays.toString(Arrays.stream(speedUps).map(x -> Math.round(x * 100) / 100.0).toArray()));
      line(
          md,
          "Speed-up of the single runs above: items %.2fx, histories %s.",
          q.itemsPerSecond / fp32.itemsPerSecond,
          userCount > 0
              ? String.format(Locale.ROOT, "%.2fx", q.historiesPerSecond / fp32.historiesPerSecond)
              : "not measured");
      if (sensitivity) {
        line(md, "");
        // One model per layer: the scan uses the first 500 items only.
        int n = Math.min(itemCount, 500);
        sensitivity(
            md,
            config,
            weights,
            tokenizer,
            provenance,
            work,
            options,
            int8,
            itemSeqs.subList(0, n),
            Arrays.copyOf(fp32.itemVectors, n));
      }
      line(md, "%nLoad average at end: %s", Files.readString(Path.of("/proc/loadavg")).trim());
      System.out.print(md);
      if (out != null) {
        Files.createDirectories(out);
        AtomicFiles.writeString(out.resolve("results.md"), md.toString());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("minCosine", sorted[0]);
        json.put("itemsBelow0999", below);
        json.put("items", itemCount);
        json.put("fp32ItemsPerSecond", fp32.itemsPerSecond);
        json.put("int8ItemsPerSecond", q.itemsPerSecond);
        json.put("itemSpeedUpPerRound", speedUps);
        if (fp32Metrics != null) {
          json.put("fp32Recall10", fp32Metrics.get("Recall@10"));
          json.put("int8Recall10", int8Metrics.get("Recall@10"));
        }
        json.put("quantization", m.quantization().orElseThrow().summary());
        json.put("commit", provenance.gitCommit());
        AtomicFiles.writeString(
            out.resolve("results.json"),
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
      }
    } finally {
      AtomicFiles.deleteRecursively(work);
    }
    return 0;
  }

  /** Minimum and mean cosine when only one layer is int8, for every Linear layer. */
  private void sensitivity(
      StringBuilder md,
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      Path tokenizer,
      Provenance provenance,
      Path work,
      EncoderOptions options,
      Int8Quantization int8,
      List<EncodedSequence> seqs,
      float[][] reference)
      throws IOException {
    line(md, "Per-layer sensitivity (only this layer int8, %d items):", seqs.size());
    line(md, "");
    line(md, "| layer | min cosine | mean 1 - cosine |");
    line(md, "|---|---:|---:|");
    List<String> layers = Int8Quantization.linearLayers(config);
    for (String layer : layers) {
      List<String> others = new ArrayList<>(layers);
      others.remove(layer);
      Path bundle = work.resolve("one");
      OnnxExporter.writeBundle(
          config,
          weights,
          tokenizer,
          provenance,
          bundle,
          Optional.of(int8.withFloat32Layers(others)),
          attention);
      try (RecformerEncoder b = RecformerEncoder.open(bundle, options)) {
        float[][] v = b.encodeSequences(seqs);
        double min = 1;
        double loss = 0;
        for (int i = 0; i < v.length; i++) {
          double c = dot(reference[i], v[i]);
          min = Math.min(min, c);
          loss += 1 - c;
        }
        line(md, "| %s | %.6f | %.2e |", layer, min, loss / v.length);
      }
    }
  }

  private static MetricReport metrics(TimedRun run, List<Example> test, ItemCatalog catalog) {
    MetricAccumulator acc = new MetricAccumulator(TiePolicy.ORIGINAL, HistoryPolicy.KEEP, 10);
    int n = catalog.size();
    for (int u = 0; u < test.size(); u++) {
      float[] h = run.historyVectors[u];
      float[] scores = new float[n];
      for (int i = 0; i < n; i++) {
        scores[i] = (float) dot(h, run.itemVectors[i]);
      }
      List<String> ids = test.get(u).history().itemIds();
      int[] history = new int[ids.size()];
      for (int k = 0; k < history.length; k++) {
        history[k] = catalog.requireIndex(ids.get(k));
      }
      acc.add(scores, catalog.requireIndex(test.get(u).targetItemId()), history);
    }
    return acc.report();
  }

  private static String row(String label, int userCount, MetricReport r) {
    return String.format(
        Locale.ROOT,
        "| %s | %d | %.4f ± %.4f | %.4f ± %.4f |",
        label,
        userCount,
        r.get("Recall@10"),
        r.standardError("Recall@10"),
        r.get("NDCG@10"),
        r.standardError("NDCG@10"));
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  private static void line(StringBuilder md, String format, Object... args) {
    md.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}
