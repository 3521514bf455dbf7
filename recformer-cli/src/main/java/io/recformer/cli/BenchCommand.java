package io.recformer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.bench.efficiency.EfficiencyBenchmark;
import io.recformer.bench.paper.PaperBenchmark;
import io.recformer.bench.quality.QualityBenchmark;
import io.recformer.bench.quantization.QuantizationBenchmark;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.Item;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.infer.encoder.RecformerEncoder;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code recformer bench ...}: thin wrappers over the project's benchmarks, so they run from the
 * tool without assembling a class path. {@code quality} is {@link QualityBenchmark} and {@code
 * efficiency} is {@link EfficiencyBenchmark}, each with its own options; {@code inference} measures
 * serving speed of a bundle through {@link RecformerEncoder}.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Run a benchmark: quality (baselines and Recformer rows on a dataset), efficiency (training"
            + " step, epoch, memory and ONNX Runtime throughput per model size) or inference"
            + " (serving speed of a bundle).",
    subcommands = {
      BenchCommand.Quality.class,
      BenchCommand.Efficiency.class,
      BenchCommand.Inference.class,
      BenchCommand.Quantization.class,
      BenchCommand.Paper.class
    })
final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** The quality benchmark of the baselines (recformer-bench's QualityBenchmark, same options). */
  @Command(
      name = "quality",
      description = {
        "Quality benchmark of the baselines (popularity, SASRec, zero-shot MiniLM text) with the"
            + " leave-one-out full-ranking protocol; writes results.csv/json/md/png to --out.",
        "Same options as io.recformer.bench.quality.QualityBenchmark (see"
            + " recformer-bench/README.md)."
      })
  static final class Quality implements Callable<Integer> {
    @Mixin QualityBenchmark benchmark = new QualityBenchmark();

    @Override
    public Integer call() throws Exception {
      return benchmark.call();
    }
  }

  /**
   * The efficiency grid (recformer-bench's EfficiencyBenchmark, same options). Each cell runs in a
   * child JVM started with this JVM's class path, so from the tool the children use the tool's jar.
   */
  @Command(
      name = "efficiency",
      description = {
        "Efficiency benchmark: training step time, fine-tuning epoch estimate, peak memory and ONNX"
            + " Runtime throughput per model size x max tokens x batch, each cell in its own JVM;"
            + " writes efficiency.csv/json/md/png to --out.",
        "Same options as io.recformer.bench.efficiency.EfficiencyBenchmark (see"
            + " recformer-bench/README.md)."
      })
  static final class Efficiency implements Callable<Integer> {
    @Mixin EfficiencyBenchmark benchmark = new EfficiencyBenchmark();

    @Override
    public Integer call() throws Exception {
      return benchmark.call();
    }
  }

  /**
   * The paper's tables over domains and seeds (recformer-bench's PaperBenchmark, same options).
   * Each cell runs this tool in a child JVM with this JVM's class path and flags.
   */
  @Command(
      name = "paper",
      description = {
        "The paper's overall, zero-shot and ablation tables over the configured domains and"
            + " seeds: runs the cells not done yet as child processes of this tool (resumable"
            + " over several sittings), then writes <output>/<table>.md/.csv/.json/.png.",
        "Same options as io.recformer.bench.paper.PaperBenchmark (see docs/paper/README.md)."
      })
  static final class Paper implements Callable<Integer> {
    @Mixin PaperBenchmark benchmark = new PaperBenchmark();

    @Override
    public Integer call() throws Exception {
      return benchmark.call();
    }
  }

  /** Int8 vs float32 parity and speed (recformer-bench's QuantizationBenchmark, same options). */
  @Command(
      name = "quantization",
      description = {
        "Int8 vs float32 bundle of the zero-shot MiniLM-initialized Recformer on a dataset:"
            + " per-item cosine, Recall@10/NDCG@10 of both on the test users, items/s and"
            + " histories/s.",
        "Same options as io.recformer.bench.quantization.QuantizationBenchmark (see"
            + " recformer-bench/README.md)."
      })
  static final class Quantization implements Callable<Integer> {
    @Mixin QuantizationBenchmark benchmark = new QuantizationBenchmark();

    @Override
    public Integer call() throws Exception {
      return benchmark.call();
    }
  }

  /** Item throughput and single-history latency of a bundle on this machine. */
  @Command(
      name = "inference",
      mixinStandardHelpOptions = true,
      description = {
        "Serving speed of an ONNX bundle through RecformerEncoder: items/s embedding catalog items"
            + " (length-bucketed batches) and the latency of encoding one history (p50/p99), on a"
            + " dataset's items and test histories.",
        "Writes results.md, results.json and results.csv to --out."
      })
  static final class Inference implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Inference.class);

    @Mixin BundleOptions bundle;

    @Option(
        names = "--data",
        required = true,
        description = "Dataset whose items and test histories are encoded.")
    Path data;

    @Option(
        names = "--out",
        required = true,
        description = "Output directory (created; files replaced).")
    Path out;

    @Option(
        names = "--items",
        description =
            "Catalog items embedded, from the start of the catalog (default: ${DEFAULT-VALUE}).")
    int items = 512;

    @Option(
        names = "--histories",
        description = "Test histories timed one at a time (default: ${DEFAULT-VALUE}).")
    int histories = 50;

    @Option(
        names = "--warmup",
        description = "Untimed warm-up histories (default: ${DEFAULT-VALUE}).")
    int warmup = 3;

    @Override
    public Integer call() throws Exception {
      if (items < 1 || histories < 1 || warmup < 0) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "--items = %d and --histories = %d must be >= 1, --warmup = %d >= 0",
                items,
                histories,
                warmup));
      }
      Dataset dataset = DatasetArguments.open(data, false);
      List<Item> catalog = dataset.items().items();
      List<Item> sample = catalog.subList(0, Math.min(items, catalog.size()));
      List<Example> test = LeaveOneOutSplit.of(dataset).test();
      if (test.isEmpty()) {
        throw new IllegalArgumentException(
            "dataset " + data + " has no test users (users need at least 3 items)");
      }
      double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      try (RecformerEncoder encoder = bundle.open()) {
        encoder.embedItems(sample.subList(0, Math.min(sample.size(), bundle.batchSize)));
        long start = System.nanoTime();
        encoder.embedItems(sample);
        double itemSeconds = (System.nanoTime() - start) / 1e9;
        double itemsPerSecond = sample.size() / itemSeconds;
        LOG.info(
            String.format(
                Locale.ROOT,
                "embedded %d items in %.2f s (%.1f items/s)",
                sample.size(),
                itemSeconds,
                itemsPerSecond));
        int n = Math.min(histories, test.size());
        double[] millis = new double[n];
        long tokens = 0;
        for (int i = 0; i < warmup + n; i++) {
          List<Item> history =
              dataset.items().resolve(test.get(i % test.size()).history().itemIds());
          long t = System.nanoTime();
          encoder.encodeHistory(history);
          if (i >= warmup) {
            millis[i - warmup] = (System.nanoTime() - t) / 1e6;
            tokens += encoder.tokenizer().encodeHistory(history).length();
          }
        }
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        double p50 = percentile(sorted, 0.50);
        double p99 = percentile(sorted, 0.99);
        String table =
            String.format(
                Locale.ROOT,
                "| bundle | model | session | max tokens | threads | items | items/s | histories |"
                    + " mean tokens | history p50 | history p99 |%n"
                    + "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|%n| %s | %s | %s | %d |"
                    + " %d | %d | %.1f | %d | %.0f | %.1f ms | %.1f ms |%n%nMachine: %d"
                    + " processors, load average %.2f at start; ONNX Runtime CPU.%n",
                bundle.bundle.getFileName(),
                encoder.manifest().quantization().map(q -> "int8").orElse("float32"),
                session(encoder),
                encoder.config().maxTokens(),
                bundle.threads,
                sample.size(),
                itemsPerSecond,
                n,
                (double) tokens / n,
                p50,
                p99,
                Runtime.getRuntime().availableProcessors(),
                load);
        Files.createDirectories(out);
        AtomicFiles.writeString(out.resolve("results.md"), "# Inference speed\n\n" + table);
        AtomicFiles.writeString(
            out.resolve("results.csv"),
            String.format(
                Locale.ROOT,
                "bundle,max_tokens,threads,items,items_per_s,histories,history_p50_ms,history_p99_ms,load_average%n"
                    + "%s,%d,%d,%d,%.3f,%d,%.3f,%.3f,%.2f%n",
                bundle.bundle,
                encoder.config().maxTokens(),
                bundle.threads,
                sample.size(),
                itemsPerSecond,
                n,
                p50,
                p99,
                load));
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("formatVersion", 1);
        json.put("bundle", bundle.bundle.toString());
        json.put("maxTokens", encoder.config().maxTokens());
        json.put("threads", bundle.threads);
        json.put("batchSize", bundle.batchSize);
        json.put(
            "model", encoder.manifest().quantization().map(q -> q.summary()).orElse("float32"));
        json.put("graphOptimization", encoder.options().graphOptimization().name());
        json.put("intraOpSpinning", encoder.options().intraOpSpinning());
        json.put("executionMode", encoder.options().executionMode().name());
        json.put("items", sample.size());
        json.put("itemsPerSecond", itemsPerSecond);
        json.put("histories", n);
        json.put("historyP50Millis", p50);
        json.put("historyP99Millis", p99);
        json.put("processors", Runtime.getRuntime().availableProcessors());
        json.put("loadAverage", load);
        AtomicFiles.writeString(
            out.resolve("results.json"),
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        System.out.print(table);
        System.out.println("Results written to " + out.toAbsolutePath());
      }
      return 0;
    }

    /** The session options in a table cell, e.g. "ALL, spinning, SEQUENTIAL". */
    private static String session(RecformerEncoder encoder) {
      return encoder.options().graphOptimization()
          + ", "
          + (encoder.options().intraOpSpinning() ? "spinning" : "no spinning")
          + ", "
          + encoder.options().executionMode();
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double q) {
      int rank = (int) Math.ceil(q * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
  }
}
