package io.recformer.train.run;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.recformer.core.format.Provenance;
import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The directory of one training run:
 *
 * <pre>
 * config.json            resolved options and model config
 * provenance.json        dataset fingerprint, seed, versions, commit
 * metrics-steps.csv      one row per optimizer step (loss, learning rate, gradient norm)
 * metrics-eval.csv       one row per evaluation (validation and test metrics)
 * state.json             where to resume (written last after each epoch: the commit point)
 * last/                  checkpoint to resume from (model, optimizer, matrix if fixed)
 * best/                  best checkpoint by validation (model.safetensors, manifest.json, matrix)
 * item-matrix.safetensors  the item matrix of the final model
 * report.json, report.md   final report
 * loss.png, validation.png charts
 * </pre>
 */
public final class RunDirectory {

  /** Jackson mapper for run files: indented, insertion order. */
  public static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path root;

  private RunDirectory(Path root) {
    this.root = root;
  }

  /**
   * A new run in {@code root}, which must not exist or be empty (so a run never overwrites
   * another's results).
   */
  public static RunDirectory create(Path root) throws IOException {
    if (Files.isDirectory(root)) {
      try (Stream<Path> files = Files.list(root)) {
        if (files.findAny().isPresent()) {
          throw new IllegalArgumentException(
              "run directory "
                  + root
                  + " is not empty; choose a new directory or resume the run there");
        }
      }
    }
    Files.createDirectories(root);
    return new RunDirectory(root);
  }

  /** An existing run to resume; it must hold a {@code state.json}. */
  public static RunDirectory existing(Path root) {
    if (!Files.isRegularFile(root.resolve("state.json"))) {
      throw new IllegalArgumentException(
          "cannot resume: " + root + " has no state.json (no epoch of that run was completed)");
    }
    return new RunDirectory(root);
  }

  public Path root() {
    return root;
  }

  public Path resolve(String name) {
    return root.resolve(name);
  }

  /** Writes an object as indented JSON atomically. */
  public void writeJson(String name, Object value) throws IOException {
    AtomicFiles.writeString(root.resolve(name), JSON.writeValueAsString(value) + "\n");
  }

  /**
   * Writes a run's final report, the same two files for every task: {@code report.json} (every
   * number) and {@code report.md} (what a reader looks at first).
   */
  public void writeReport(Object json, String markdown) throws IOException {
    writeJson("report.json", json);
    AtomicFiles.writeString(root.resolve("report.md"), markdown);
  }

  public JsonNode readJson(String name) throws IOException {
    return JSON.readTree(Files.readString(root.resolve(name), StandardCharsets.UTF_8));
  }

  /** Writes {@code provenance.json}. */
  public void writeProvenance(Provenance p) throws IOException {
    AtomicFiles.writeString(root.resolve("provenance.json"), p.toJson());
  }

  /**
   * Writes {@code provenance.json} for a training task, with the engine that ran it (DJL version,
   * engine name and version, device) among the extras.
   */
  public void writeTrainingProvenance(
      String datasetFingerprint, long seed, String device, String task) throws IOException {
    Map<String, String> extras = new LinkedHashMap<>();
    extras.put("djl", Engine.getDjlVersion());
    extras.put(
        "engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    extras.put("device", device);
    extras.put("task", task);
    writeProvenance(Provenance.capture(datasetFingerprint, seed, extras));
  }

  /** The step and evaluation CSV logs. */
  public CsvLog stepLog() {
    return new CsvLog(
        root.resolve("metrics-steps.csv"),
        List.of(
            "stage",
            "epoch",
            "step",
            "loss",
            "learning_rate",
            "grad_norm",
            "matrix_grad_norm",
            "skipped"));
  }

  public CsvLog evalLog(List<String> metricNames) {
    List<String> columns = new ArrayList<>(List.of("stage", "epoch", "step", "split"));
    metricNames.forEach(columns::add);
    columns.add("users");
    return new CsvLog(root.resolve("metrics-eval.csv"), columns);
  }

  /**
   * Draws {@code loss.png} (loss per step, per stage) and {@code validation.png} (each metric of
   * the validation rows per step) from the CSV logs.
   */
  public void drawCharts(CsvLog steps, CsvLog evals, List<String> metricNames) throws IOException {
    Map<String, List<double[]>> loss = new LinkedHashMap<>();
    for (String[] row : steps.readRows()) {
      loss.computeIfAbsent("loss " + row[0], k -> new ArrayList<>())
          .add(new double[] {Double.parseDouble(row[2]), Double.parseDouble(row[3])});
    }
    Charts.line(root.resolve("loss.png"), "Training loss", "optimizer step", "loss", loss);
    Map<String, List<double[]>> validation = new LinkedHashMap<>();
    for (String[] row : evals.readRows()) {
      if (!row[3].equals("validation")) {
        continue;
      }
      for (int m = 0; m < metricNames.size(); m++) {
        validation
            .computeIfAbsent(metricNames.get(m), k -> new ArrayList<>())
            .add(new double[] {Double.parseDouble(row[2]), Double.parseDouble(row[4 + m])});
      }
    }
    Charts.line(
        root.resolve("validation.png"), "Validation", "optimizer step", "value", validation);
  }
}
