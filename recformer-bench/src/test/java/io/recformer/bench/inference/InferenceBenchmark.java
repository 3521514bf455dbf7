package io.recformer.bench.inference;

import ai.djl.ndarray.NDManager;
import com.sun.management.OperatingSystemMXBean;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.Provenance;
import io.recformer.core.item.Item;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.train.export.OnnxExporter;
import io.recformer.train.model.EncoderOutput;
import io.recformer.train.model.PyTorchThreads;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.MiniLmImporter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Inference speed of the MiniLM-sized encoder (all-MiniLM-L6-v2 weights, 6 x 384, window 64)
 * through ONNX Runtime (recformer-infer's RecformerEncoder on an exported bundle) next to the DJL
 * model (RecformerModel.encode, eval mode, under an NDManager), same threads, same inputs. Not a
 * test; prints a Markdown section for docs/benchmarks.md. JMH versions come later.
 *
 * <p>Usage: {@code InferenceBenchmark [threads] [items] [latencyRuns]} (defaults 2, 512, 40). Item
 * throughput: items/s of encoding {@code items} synthetic items (about 25 tokens each, tokenization
 * included, batches of 32 sorted by length), median of 3 runs after a warm-up run. History latency:
 * one history of exactly 512 tokens, pre-tokenized, p50 and p99 over {@code latencyRuns} calls
 * after 5 warm-ups.
 */
public final class InferenceBenchmark {

  private static final String[] WORDS = {
    "gorilla",
    "wood",
    "glue",
    "desk",
    "lamp",
    "office",
    "paper",
    "pencil",
    "pen",
    "ink",
    "black",
    "blue",
    "red",
    "set",
    "pack",
    "notebook",
    "lab",
    "glass",
    "beaker",
    "scientific",
    "tools",
    "home",
    "kitchen",
    "steel",
    "clip",
    "binder",
    "stapler",
    "marker",
    "tape",
    "label",
    "printer",
    "cable",
    "adapter",
    "battery",
    "charger"
  };

  private InferenceBenchmark() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int itemCount = args.length > 1 ? Integer.parseInt(args[1]) : 512;
    int latencyRuns = args.length > 2 ? Integer.parseInt(args[2]) : 40;
    System.setProperty(PyTorchThreads.INTRA_OP, Integer.toString(threads));
    System.setProperty(PyTorchThreads.INTER_OP, "1");
    PyTorchThreads.applyDefaults();
    StringBuilder md = new StringBuilder();
    line(md, "Load average at start: %s", Files.readString(Path.of("/proc/loadavg")).trim());

    RecformerConfig config = RecformerConfig.miniLmL6();
    Path dir = Files.createTempDirectory("inference-bench");
    Path tokenizerJson = dir.resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(tokenizerJson);
    List<Item> items = items(itemCount, 1);
    List<Item> longHistory = items(60, 2);

    try (NDManager root = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(root, config, 1)) {
      model.loadWeights(MiniLmImporter.importFromClasspath(config, 1));
      Path bundle = dir.resolve("bundle");
      OnnxExporter.writeBundle(
          model, tokenizerJson, Provenance.capture("none", 1, Map.of()), bundle);

      double[] onnxItems;
      double[] onnxLatency;
      EncoderOptions options =
          EncoderOptions.defaults().withIntraOpThreads(threads).withBatchSize(32);
      try (RecformerEncoder encoder = RecformerEncoder.open(bundle, options);
          RecformerTokenizer tokenizer = RecformerTokenizer.open(tokenizerJson, config)) {
        EncodedSequence history = tokenizer.encodeHistory(longHistory);
        require(history.length() == 512, "history has " + history.length() + " tokens");
        onnxItems = throughput(() -> encoder.embedItems(items), items.size());
        onnxLatency = latency(latencyRuns, () -> encoder.encodeSequences(List.of(history)));
      }

      double[] djlItems;
      double[] djlLatency;
      try (RecformerTokenizer tokenizer = RecformerTokenizer.open(tokenizerJson, config)) {
        BatchCollator collator = BatchCollator.unrounded(config, tokenizer.padId());
        EncodedSequence history = tokenizer.encodeHistory(longHistory);
        djlItems =
            throughput(() -> djlItems(root, model, tokenizer, collator, items), items.size());
        djlLatency =
            latency(
                latencyRuns,
                () -> {
                  try (NDManager m = root.newSubManager()) {
                    EncoderOutput out = model.encode(m, collator.collate(List.of(history)), false);
                    out.pooled().toFloatArray();
                  }
                });
      }

      line(md, "");
      line(
          md,
          "| engine | item encoding, items/s (median of 3; runs) | items per CPU-second"
              + " | history 512 tokens p50 | p99 |");
      line(md, "|---|---|---|---|---|");
      line(
          md,
          "| ONNX Runtime 1.29 (RecformerEncoder) | %.1f (%s) | %.1f | %.1f ms | %.1f ms |",
          median(Arrays.copyOf(onnxItems, 3)),
          fmt(Arrays.copyOf(onnxItems, 3)),
          onnxItems[3],
          onnxLatency[0] * 1e3,
          onnxLatency[1] * 1e3);
      line(
          md,
          "| DJL 0.36 PyTorch 2.7.1 (RecformerModel.encode) | %.1f (%s) | %.1f | %.1f ms |"
              + " %.1f ms |",
          median(Arrays.copyOf(djlItems, 3)),
          fmt(Arrays.copyOf(djlItems, 3)),
          djlItems[3],
          djlLatency[0] * 1e3,
          djlLatency[1] * 1e3);
      line(md, "");
      line(
          md,
          "Threads: %d intra-op (ONNX Runtime session option; DJL %s=%d, inter-op 1);"
              + " %d items, %d latency runs.",
          threads,
          PyTorchThreads.INTRA_OP,
          threads,
          itemCount,
          latencyRuns);
    }
    line(md, "Load average at end: %s", Files.readString(Path.of("/proc/loadavg")).trim());
    System.out.print(md);
  }

  /** Same work as RecformerEncoder.embedItems: tokenize, sort by length, batches of 32. */
  private static void djlItems(
      NDManager root,
      RecformerModel model,
      RecformerTokenizer tokenizer,
      BatchCollator collator,
      List<Item> items) {
    List<EncodedSequence> sequences = new ArrayList<>(tokenizer.encodeItems(items));
    sequences.sort(Comparator.comparingInt(EncodedSequence::length));
    for (int from = 0; from < sequences.size(); from += 32) {
      List<EncodedSequence> batch = sequences.subList(from, Math.min(sequences.size(), from + 32));
      try (NDManager m = root.newSubManager()) {
        model.encode(m, collator.collate(batch), false).pooled().toFloatArray();
      }
    }
  }

  private static List<Item> items(int count, long seed) {
    Random random = new Random(seed);
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      StringBuilder title = new StringBuilder();
      int words = 4 + random.nextInt(8);
      for (int w = 0; w < words; w++) {
        title.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
      }
      out.add(
          Item.of(
              "item" + i,
              "title",
              title.toString(),
              "brand",
              WORDS[random.nextInt(WORDS.length)],
              "category",
              "office products " + WORDS[random.nextInt(WORDS.length)]));
    }
    return out;
  }

  /** Items/s of 3 runs after a warm-up, then items per process CPU-second (median run). */
  private static double[] throughput(Runnable work, int count) {
    work.run(); // warm-up
    double[] rates = new double[3];
    double[] perCpu = new double[3];
    for (int r = 0; r < rates.length; r++) {
      long cpu = processCpuNanos();
      long start = System.nanoTime();
      work.run();
      rates[r] = count / ((System.nanoTime() - start) / 1e9);
      perCpu[r] = count / ((processCpuNanos() - cpu) / 1e9);
    }
    return new double[] {rates[0], rates[1], rates[2], median(perCpu)};
  }

  /** CPU time of the whole process (all threads, native ones included). */
  private static long processCpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** {p50, p99} in seconds. */
  private static double[] latency(int runs, Runnable work) {
    for (int i = 0; i < 5; i++) {
      work.run();
    }
    double[] t = new double[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      work.run();
      t[i] = (System.nanoTime() - start) / 1e9;
    }
    Arrays.sort(t);
    return new double[] {
      t[(int) Math.round(0.5 * (runs - 1))], t[(int) Math.ceil(0.99 * (runs - 1))]
    };
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static String fmt(double[] v) {
    StringBuilder b = new StringBuilder();
    for (double x : v) {
      b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", x));
    }
    return b.toString();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }

  private static void line(StringBuilder md, String format, Object... args) {
    md.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}
