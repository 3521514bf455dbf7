package io.recformer.bench.efficiency;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.recformer.bench.quality.Machine;
import io.recformer.core.format.Provenance;
import io.recformer.core.io.AtomicFiles;
import io.recformer.train.run.Devices;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The efficiency benchmark (issue 7; the mini study's table, reference section 9): for every cell
 * of models x max tokens x batch sizes, one child JVM ({@link CellRun}) measures the training step,
 * the estimated fine-tuning epoch, the peak resident and native memory and ONNX Runtime throughput.
 * Each child has the same classpath and JVM flags as this JVM plus {@code -Xss4m} and the offline
 * flags; a cell over its time cap is stopped and reported as skipped with the phases it finished.
 * Writes {@code efficiency.csv}, {@code efficiency.json}, {@code efficiency.md} (also printed) and
 * {@code efficiency.png}, each with the machine, JVM, commit and settings.
 *
 * <pre>
 * java -Xss4m -Dai.djl.offline=true -cp ... io.recformer.bench.efficiency.EfficiencyBenchmark \
 *     --data data/amazon-scientific-unisrec --out runs/efficiency-cpu
 * </pre>
 *
 * <p>Over 400 lines because the grid, its child-process runner with time caps and the report are
 * one benchmark whose parts share the cell list.
 */
@Command(
    name = "efficiency-benchmark",
    mixinStandardHelpOptions = true,
    description =
        "Training step time, epoch estimate, peak memory and ONNX Runtime throughput per model"
            + " size, max tokens and batch size, each cell in its own JVM.")
public final class EfficiencyBenchmark implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(EfficiencyBenchmark.class);

  @Option(
      names = "--data",
      defaultValue = "data/amazon-scientific-unisrec",
      description =
          "Dataset whose items build the token sequences and whose users count the epoch.")
  Path data;

  @Option(
      names = "--out",
      required = true,
      description = "Output directory (created; files replaced).")
  Path out;

  @Option(
      names = "--models",
      split = ",",
      defaultValue = "longformer-base,minilm-l6,longformer-mini",
      description =
          "Model sizes: longformer-base (12 x 768), minilm-l6 (6 x 384), longformer-mini (6 x 256),"
              + " tiny (2 x 64).")
  List<String> models;

  @Option(
      names = "--max-tokens",
      split = ",",
      defaultValue = "1024,512,256",
      description = "Max tokens per history.")
  List<Integer> maxTokens;

  @Option(names = "--batches", split = ",", defaultValue = "8,16", description = "Batch sizes.")
  List<Integer> batches;

  @Option(
      names = "--device",
      defaultValue = "cpu",
      description =
          "cpu, gpu or gpu:N: training on this DJL device and ONNX Runtime on CUDA (see"
              + " docs/gpu.md).")
  String device;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "PyTorch and ONNX Runtime intra-op threads (0 = available processors).")
  int threads;

  @Option(names = "--warmup", defaultValue = "1", description = "Untimed training steps per cell.")
  int warmup;

  @Option(
      names = "--steps",
      defaultValue = "3",
      description = "Timed training steps per cell (median reported).")
  int steps;

  @Option(
      names = "--lengths",
      defaultValue = "full",
      description =
          "full: every history filled to max tokens with real items; real: real training samples.")
  CellRun.Lengths lengths;

  @Option(
      names = "--cell-timeout",
      defaultValue = "1800",
      description = "Seconds one cell may take; a slower cell is stopped and reported as skipped.")
  long cellTimeoutSeconds;

  @Option(
      names = "--memory-cap-mb",
      defaultValue = "-1",
      description =
          "Resident-set cap per cell in MB (-1 = 90%% of the machine's memory, 0 = none).")
  long memoryCapMb;

  @Option(
      names = "--child-heap",
      defaultValue = "",
      description = "-Xmx of the cell JVMs, e.g. 4g (default: the JVM's default).")
  String childHeap;

  @Option(
      names = "--item-sample",
      defaultValue = "256",
      description = "Items encoded to extrapolate re-encoding the whole item matrix.")
  int itemSample;

  @Option(
      names = "--ort-sequences",
      defaultValue = "16",
      description = "Histories per ONNX Runtime timing run.")
  int ortSequences;

  @Option(
      names = "--ort-runs",
      defaultValue = "2",
      description = "Timed ONNX Runtime runs (median reported).")
  int ortRuns;

  @Option(names = "--skip-ort", description = "Measure training only (no export, no ONNX Runtime).")
  boolean skipOrt;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the weights and the sampled sequences.")
  long seed;

  @Option(
      names = "--keep-measured",
      description =
          "Reuse the cells already measured in --out (cells/<cell>.json with status ok) and measure"
              + " only the others, so a long grid can be completed over several runs. The"
              + " measurement settings must equal those recorded in --out/"
              + MEASUREMENT_FILE
              + ".")
  boolean keepMeasured;

  @Option(
      names = "--only-kept",
      description =
          "With --keep-measured: measure nothing, write the report"
              + " of the kept cells and list the others as not measured.")
  boolean onlyKept;

  @Option(
      names = "--quick",
      description =
          "Tiny grid for a smoke test: the tiny model, 128 tokens, batch 2," + " 2 timed steps.")
  boolean quick;

  /** The settings that make cells comparable, written beside the cells of every run. */
  static final String MEASUREMENT_FILE = "measurement.json";

  static final String NOT_MEASURED = "not measured yet";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What one run produced. */
  record Outcome(List<CellResult> cells, Map<String, String> settings, String markdown) {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new EfficiencyBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    Outcome outcome = run();
    System.out.println(outcome.markdown());
    return outcome.cells().stream()
            .allMatch(
                c -> c.ok() || c.status.startsWith("skipped") || c.status.equals(NOT_MEASURED))
        ? 0
        : 1;
  }

  Outcome run() throws IOException, InterruptedException {
    if (quick) {
      models = List.of("tiny");
      maxTokens = List.of(128);
      batches = List.of(2);
      warmup = 1;
      steps = 2;
      itemSample = 16;
      ortSequences = 4;
      ortRuns = 1;
    }
    List<Cell> cells = new ArrayList<>();
    for (String m : models) {
      for (int t : maxTokens) {
        for (int b : batches) {
          cells.add(new Cell(m, t, b));
        }
      }
    }
    if (steps < 1 || warmup < 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "--steps = %d and --warmup = %d are out of range: need steps >= 1 and warmup >= 0",
              steps,
              warmup));
    }
    if (!Files.isDirectory(data)) {
      throw new IllegalArgumentException("--data = " + data + " is not a directory");
    }
    // A GPU that is not there fails here, once, with DJL's explanation, before any child starts.
    Devices.validateName(device);
    if (!device.equalsIgnoreCase("cpu")) {
      Devices.select(device);
    }
    long cap =
        memoryCapMb >= 0 ? memoryCapMb : Math.max(0, Machine.totalMemoryKb() * 9 / 10 / 1024);
    Files.createDirectories(out.resolve("cells"));

    Map<String, String> settings = new LinkedHashMap<>();
    Provenance provenance = Provenance.capture("none", seed, Map.of());
    settings.put("commit", provenance.gitCommit());
    settings.put("cpu", Machine.cpuModel());
    settings.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    settings.put("ram", Machine.totalMemory());
    settings.put("os", provenance.os() + " " + provenance.arch());
    settings.put(
        "jvm",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    settings.put("cell JVM flags", String.join(" ", childJvmFlags()));
    settings.put("device", device);
    settings.put("threads", threads == 0 ? "available processors" : Integer.toString(threads));
    settings.put("data", data.toString());
    settings.put(
        "sequences",
        lengths == CellRun.Lengths.full
            ? "full: every history = up to 50 consecutive real items, cut to max tokens (worst"
                + " case)"
            : "real: random user, random target position in its training part, padded to the"
                + " batch's longest");
    settings.put(
        "training step",
        "forward (train mode, dropout 0.1) + full-softmax CE over the item matrix (tau 0.05) +"
            + " backward + clip 1.0 + AdamW; random init; MiniLM WordPiece tokens for every size");
    settings.put(
        "timing",
        String.format(Locale.ROOT, "%d warm-up + %d timed steps (median)", warmup, steps));
    settings.put(
        "epoch estimate",
        "ceil(users / batch) steps x median step (one sample per user per epoch, as the original);"
            + " the item-matrix column adds re-encoding all items once (stage 1)");
    settings.put(
        "onnx runtime",
        String.format(
            Locale.ROOT,
            "exported bundle, RecformerEncoder.encodeSequences of %d histories in batches of the"
                + " cell's batch size, 1 warm-up + %d timed runs (median)",
            ortSequences,
            ortRuns));
    settings.put("cell timeout", cellTimeoutSeconds + " s");
    settings.put("memory cap", cap > 0 ? cap + " MB resident per cell" : "none");
    settings.put("load average at start", Machine.loadAverage());

    if (onlyKept && !keepMeasured) {
      throw new IllegalArgumentException(
          "--only-kept reports the cells kept by --keep-measured; give both");
    }
    Map<String, String> measurement = measurementSettings(cap);
    Path measurementFile = out.resolve(MEASUREMENT_FILE);
    if (keepMeasured) {
      requireSameMeasurement(measurementFile, measurement);
    }
    AtomicFiles.writeString(measurementFile, JSON.writeValueAsString(measurement));

    List<CellResult> results = new ArrayList<>();
    long started = System.nanoTime();
    int reused = 0;
    for (int i = 0; i < cells.size(); i++) {
      Cell cell = cells.get(i);
      Path earlier = out.resolve("cells").resolve(cell.fileName() + ".json");
      CellResult kept = keepMeasured && Files.exists(earlier) ? CellResult.read(earlier) : null;
      if (kept != null && kept.ok()) {
        results.add(kept);
        reused++;
        LOG.info("cell {}/{}: {} measured earlier, kept", i + 1, cells.size(), cell.label());
        continue;
      }
      if (onlyKept) {
        CellResult missing = CellResult.started(cell, device);
        missing.status = NOT_MEASURED;
        results.add(missing);
        continue;
      }
      LOG.info(
          String.format(
              Locale.ROOT,
              "cell %d/%d: %s (%.0f s so far)",
              i + 1,
              cells.size(),
              cell.label(),
              (System.nanoTime() - started) / 1e9));
      CellResult r = runCell(cell, cap);
      results.add(r);
      LOG.info("cell {}: {}", cell.label(), r.status);
    }
    if (reused > 0) {
      settings.put(
          "cells kept from earlier runs",
          reused
              + " of "
              + cells.size()
              + " (same measurement settings; the commit and load average above are this run's)");
    }
    settings.put("load average at end", Machine.loadAverage());
    settings.put(
        "wall time", String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - started) / 1e9));
    String markdown = EfficiencyReport.markdown(results, settings);
    EfficiencyReport.writeAll(out, results, settings, markdown);
    return new Outcome(results, settings, markdown);
  }

  /**
   * Everything that changes what a cell measures (not the commit, the machine is recorded apart).
   */
  private Map<String, String> measurementSettings(long capMb) {
    Map<String, String> m = new TreeMap<>();
    m.put("data", data.normalize().toString()); // as given: the same relative path in another clone
    m.put("device", device);
    m.put("threads", Integer.toString(threads));
    m.put("warmup", Integer.toString(warmup));
    m.put("steps", Integer.toString(steps));
    m.put("lengths", lengths.name());
    m.put("itemSample", Integer.toString(itemSample));
    m.put("ortSequences", Integer.toString(ortSequences));
    m.put("ortRuns", Integer.toString(ortRuns));
    m.put("skipOrt", Boolean.toString(skipOrt));
    m.put("seed", Long.toString(seed));
    m.put("memoryCapMb", Long.toString(capMb));
    m.put("cellJvmFlags", String.join(" ", childJvmFlags()));
    m.put("cpu", Machine.cpuModel());
    m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    return m;
  }

  private static void requireSameMeasurement(Path file, Map<String, String> current)
      throws IOException {
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(
          "--keep-measured: "
              + file
              + " does not exist, so how the cells there were measured is unknown; run without"
              + " --keep-measured (it re-measures every cell)");
    }
    Map<String, String> earlier =
        JSON.readValue(file.toFile(), new TypeReference<TreeMap<String, String>>() {});
    List<String> differences = new ArrayList<>();
    Set<String> keys = new TreeSet<>(earlier.keySet());
    keys.addAll(current.keySet());
    for (String key : keys) {
      if (!Objects.equals(earlier.get(key), current.get(key))) {
        differences.add(
            String.format(
                Locale.ROOT,
                "%s: earlier '%s', now '%s'",
                key,
                earlier.get(key),
                current.get(key)));
      }
    }
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException(
          "--keep-measured: the cells in "
              + file.getParent()
              + " were measured with other settings ("
              + String.join("; ", differences)
              + "); use the same options or another --out");
    }
  }

  private CellResult runCell(Cell cell, long capMb) throws IOException, InterruptedException {
    String name = cell.fileName();
    Path resultFile = out.resolve("cells").resolve(name + ".json");
    Path log = out.resolve("cells").resolve(name + ".log");
    Files.deleteIfExists(resultFile);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(childJvmFlags());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(CellRun.class.getName());
    command.addAll(
        List.of(
            "--model",
            cell.model(),
            "--max-tokens",
            Integer.toString(cell.maxTokens()),
            "--batch",
            Integer.toString(cell.batch()),
            "--data",
            data.toAbsolutePath().toString(),
            "--result",
            resultFile.toAbsolutePath().toString(),
            "--device",
            device,
            "--threads",
            Integer.toString(threads),
            "--warmup",
            Integer.toString(warmup),
            "--steps",
            Integer.toString(steps),
            "--lengths",
            lengths.name(),
            "--item-sample",
            Integer.toString(itemSample),
            "--ort-sequences",
            Integer.toString(ortSequences),
            "--ort-runs",
            Integer.toString(ortRuns),
            "--memory-cap-mb",
            Long.toString(capMb),
            "--seed",
            Long.toString(seed)));
    if (skipOrt) {
      command.add("--skip-ort");
    }
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("OPT_OUT_TRACKING", "true");
    builder.environment().put("DJL_OFFLINE", "true");
    Process process = builder.start();
    boolean finished = process.waitFor(cellTimeoutSeconds, TimeUnit.SECONDS);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    CellResult r =
        Files.exists(resultFile) ? CellResult.read(resultFile) : CellResult.started(cell, device);
    if (!finished) {
      r.status =
          String.format(
              Locale.ROOT,
              "skipped (over %d s, during %s)",
              cellTimeoutSeconds,
              r.status.replace("running: ", ""));
    } else if (process.exitValue() != 0
        && !r.status.startsWith("skipped")
        && !r.status.startsWith("failed")) {
      r.status =
          String.format(
              Locale.ROOT,
              "failed (exit code %d%s during %s; see cells/%s.log)",
              process.exitValue(),
              process.exitValue() == 137 ? ", killed: out of memory?" : "",
              r.status.replace("running: ", ""),
              name);
    }
    if (!r.ok()) {
      r.note = (r.note.isEmpty() ? "" : r.note + "; ") + "log: cells/" + name + ".log";
    }
    r.write(resultFile);
    return r;
  }

  /** This JVM's flags minus debugger agents, plus the flags every DJL JVM needs. */
  List<String> childJvmFlags() {
    List<String> flags = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      boolean heap = a.startsWith("-Xmx") && !childHeap.isEmpty();
      if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xss") && !heap) {
        flags.add(a);
      }
    }
    flags.add("-Xss4m");
    if (!flags.contains("-Dai.djl.offline=true")) {
      flags.add("-Dai.djl.offline=true");
    }
    if (!childHeap.isEmpty()) {
      flags.add("-Xmx" + childHeap);
    }
    return flags;
  }
}
