package io.recformer.bench.efficiency;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.util.cuda.CudaUtils;
import com.sun.management.OperatingSystemMXBean;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.Provenance;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.train.export.OnnxExporter;
import io.recformer.train.model.PyTorchThreads;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.run.Devices;
import io.recformer.train.weights.MiniLmImporter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One cell of the efficiency grid, run in its own JVM by {@link EfficiencyBenchmark} (so the peak
 * resident set is this cell's): times fine-tuning steps of a randomly initialized model on token
 * sequences built from the dataset's real items, samples memory, probes re-encoding the item
 * matrix, exports the model and times ONNX Runtime on histories of the same length. Writes a {@link
 * CellResult} JSON after every phase.
 *
 * <p>A training step is {@link TrainingStep}; random weights cost the same time as trained ones.
 */
@Command(
    name = "efficiency-cell",
    mixinStandardHelpOptions = true,
    description = "Measures one cell of the efficiency grid (started by EfficiencyBenchmark).")
public final class CellRun implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(CellRun.class);

  /** Exit code of a cell stopped because its resident set exceeded the cap. */
  static final int EXIT_MEMORY_CAP = 3;

  @Option(names = "--model", required = true)
  String model;

  @Option(names = "--max-tokens", required = true)
  int maxTokens;

  @Option(names = "--batch", required = true)
  int batch;

  @Option(names = "--data", required = true)
  Path data;

  @Option(names = "--result", required = true)
  Path resultFile;

  @Option(names = "--device", defaultValue = "cpu")
  String device;

  @Option(names = "--threads", defaultValue = "0")
  int threads;

  @Option(names = "--warmup", defaultValue = "1")
  int warmup;

  @Option(names = "--steps", defaultValue = "3")
  int steps;

  @Option(names = "--lengths", defaultValue = "full")
  Lengths lengths;

  @Option(names = "--item-sample", defaultValue = "256")
  int itemSample;

  @Option(names = "--ort-sequences", defaultValue = "16")
  int ortSequences;

  @Option(names = "--ort-runs", defaultValue = "2")
  int ortRuns;

  @Option(names = "--skip-ort")
  boolean skipOrt;

  @Option(names = "--memory-cap-mb", defaultValue = "0")
  long memoryCapMb;

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  /** How long the benchmark's token sequences are. */
  enum Lengths {
    /**
     * Every sequence filled to maxTokens with consecutive real items (the worst case, and the shape
     * behind a table by max tokens: real Scientific histories are much shorter, median 6 items).
     */
    full,
    /** Real training samples: a random user's random prefix, padded to the longest in the batch. */
    real
  }

  private CellResult result;
  private boolean frozen;

  public static void main(String[] args) {
    System.exit(new CommandLine(new CellRun()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Cell cell = new Cell(model, maxTokens, batch);
    result = CellResult.started(cell, device);
    result.heapMaxMb = Runtime.getRuntime().maxMemory() >> 20;
    save("running: setup");
    long started = System.nanoTime();
    try {
      measure(cell, started);
      return 0;
    } catch (Exception | Error e) {
      result.status = "failed: " + e;
      result.wallSeconds = (System.nanoTime() - started) / 1e9;
      save(result.status);
      throw e;
    }
  }

  private void measure(Cell cell, long started) throws IOException {
    RecformerConfig config = cell.config();
    System.setProperty(PyTorchThreads.INTER_OP, "1");
    PyTorchThreads.applyDefaults(); // intra-op = available processors unless set
    if (threads > 0) {
      PyTorchThreads.setIntraOpThreads(threads);
    }
    result.threads = PyTorchThreads.intraOpThreads();
    Device dev = Devices.select(device);
    Path work = Files.createTempDirectory("recformer-efficiency-");
    try {
      Path tokenizerJson = work.resolve("tokenizer.json");
      MiniLmImporter.copyTokenizerJson(tokenizerJson);
      Dataset dataset = Datasets.open(data);
      ItemCatalog catalog = dataset.items();
      result.catalogItems = catalog.size();
      // The original draws one training sample per user per epoch (reference section 5).
      result.trainingSequences = dataset.userCount();
      result.stepsPerEpoch = (dataset.userCount() + batch - 1) / batch;
      SplittableRandom random = new SplittableRandom(seed);
      Path bundle = work.resolve("bundle");
      long capKb = memoryCapMb * 1024;
      try (RecformerTokenizer tokenizer = RecformerTokenizer.open(tokenizerJson, config);
          ProcessMemory memory =
              new ProcessMemory(
                  50,
                  dev.isGpu() ? () -> CudaUtils.getGpuMemory(dev).getUsed() : null,
                  capKb,
                  this::memoryCapHit)) {
        ItemTokenCache cache = new ItemTokenCache(tokenizer, catalog);
        HistorySampler samples =
            new HistorySampler(dataset, cache, config, lengths == Lengths.full, random);
        BatchCollator collator = BatchCollator.forLongformer(config, tokenizer.padId());
        try (NDManager root = NDManager.newBaseManager(dev)) {
          try (RecformerModel net = RecformerModel.newInstance(root, config, seed)) {
            train(net, root, catalog.size(), samples, collator);
            result.trainingPeakRssMb = ProcessMemory.peakRssMb();
            result.trainingPeakNativeMb = memory.peakNativeMb();
            result.gpuPeakMb = dev.isGpu() ? memory.peakGpuMb() : null;
            save("running: item matrix");
            itemMatrix(net, root, cache, collator, random);
            if (!skipOrt) {
              save("running: export");
              long t = System.nanoTime();
              OnnxExporter.writeBundle(
                  net, tokenizerJson, Provenance.capture("none", seed, Map.of()), bundle);
              result.exportSeconds = (System.nanoTime() - t) / 1e9;
            }
          }
        }
        if (!skipOrt) {
          save("running: onnx runtime");
          onnxRuntime(bundle, samples, dev);
        }
      }
      result.peakRssMb = ProcessMemory.peakRssMb();
      result.wallSeconds = (System.nanoTime() - started) / 1e9;
      result.status = CellResult.OK;
      save(result.status);
      LOG.info(
          String.format(
              Locale.ROOT,
              "%s: step %.3f s, epoch %.0f s, peak RSS %d MB, ORT %.2f histories/s",
              cell.label(),
              result.stepSeconds,
              result.epochSeconds,
              result.peakRssMb,
              result.ortSequencesPerSecond));
    } finally {
      deleteTree(work);
    }
  }

  private void train(
      RecformerModel net, NDManager root, int items, HistorySampler samples, BatchCollator collator)
      throws IOException {
    try (TrainingStep step = new TrainingStep(root, net, items)) {
      double[] wall = new double[steps];
      double[] cpu = new double[steps];
      long realTokens = 0;
      for (int s = 0; s < warmup + steps; s++) {
        boolean timed = s >= warmup;
        save(
            String.format(
                Locale.ROOT,
                "running: training step %d of %d (%d warm-up)",
                s + 1,
                warmup + steps,
                warmup));
        HistorySampler.Batch b = samples.next(batch);
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        EncodedBatch input = collator.collate(b.sequences());
        step.run(input, b.targets());
        if (timed) {
          wall[s - warmup] = (System.nanoTime() - t0) / 1e9;
          cpu[s - warmup] = (processCpuNanos() - cpu0) / 1e9;
          result.stepTimes.add(wall[s - warmup]);
          for (int i = 0; i < input.batchSize(); i++) {
            realTokens += input.sequenceLength(i);
          }
          result.paddedLength = input.length();
        }
      }
      result.stepSeconds = median(wall);
      result.stepCpuSeconds = median(cpu);
      result.meanTokens = realTokens / (double) (steps * batch);
      result.epochSeconds = result.stepsPerEpoch * result.stepSeconds;
    }
  }

  /**
   * Times eval-mode encoding of a sample of items (batches of 64) and extrapolates to the catalog.
   */
  private void itemMatrix(
      RecformerModel net,
      NDManager root,
      ItemTokenCache cache,
      BatchCollator collator,
      SplittableRandom random) {
    int n = Math.min(itemSample, cache.catalog().size());
    if (n == 0) {
      return;
    }
    List<EncodedSequence> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      items.add(cache.encodeItem(random.nextInt(cache.catalog().size())));
    }
    items.sort(Comparator.comparingInt(EncodedSequence::length));
    try (NDManager scope =
        root.newSubManager()) { // warm-up: the first eval-mode call pays one-time costs
      net.encode(scope, collator.collate(items.subList(0, Math.min(n, 64))), false)
          .pooled()
          .toFloatArray();
    }
    long t0 = System.nanoTime();
    for (int from = 0; from < n; from += 64) {
      try (NDManager scope = root.newSubManager()) {
        net.encode(scope, collator.collate(items.subList(from, Math.min(n, from + 64))), false)
            .pooled()
            .toFloatArray();
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    result.itemMatrixSeconds = seconds * cache.catalog().size() / n;
  }

  private void onnxRuntime(Path bundle, HistorySampler samples, Device dev) throws IOException {
    EncoderOptions options =
        EncoderOptions.defaults().withBatchSize(batch).withIntraOpThreads(result.threads);
    if (dev.isGpu()) {
      options = options.withCuda(dev.getDeviceId());
    }
    List<EncodedSequence> histories = new ArrayList<>();
    for (int i = 0; i < ortSequences; i += batch) {
      histories.addAll(samples.next(Math.min(batch, ortSequences - i)).sequences());
    }
    long tokens = histories.stream().mapToLong(EncodedSequence::length).sum();
    try (RecformerEncoder encoder = RecformerEncoder.open(bundle, options)) {
      encoder.encodeSequences(histories); // warm-up
      double[] seconds = new double[ortRuns];
      for (int r = 0; r < ortRuns; r++) {
        long t0 = System.nanoTime();
        encoder.encodeSequences(histories);
        seconds[r] = (System.nanoTime() - t0) / 1e9;
      }
      double median = median(seconds);
      result.ortSequences = histories.size();
      result.ortSequencesPerSecond = histories.size() / median;
      result.ortTokensPerSecond = tokens / median;
    }
  }

  private synchronized void save(String status) throws IOException {
    if (frozen) {
      return;
    }
    result.status = status;
    result.write(resultFile);
  }

  /**
   * Runs on the sampler thread: records why and stops the JVM at once (the OS would kill it next).
   */
  private void memoryCapHit() {
    synchronized (this) {
      result.status =
          String.format(
              Locale.ROOT,
              "skipped (RSS over %d MB during %s)",
              memoryCapMb,
              result.status.replace("running: ", ""));
      result.peakRssMb = ProcessMemory.peakRssMb();
      try {
        result.write(resultFile);
      } catch (IOException e) {
        LOG.error("could not write {}", resultFile, e);
      }
      frozen = true;
    }
    Runtime.getRuntime().halt(EXIT_MEMORY_CAP);
  }

  private static long processCpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete {}", dir, e);
    }
  }
}
