package io.recformer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** File helpers of the training commands: run directories written by the trainers, temp dirs. */
final class OutputFiles {

  private static final ObjectMapper JSON = new ObjectMapper();

  private OutputFiles() {}

  /** The {@code config.json} of a run to resume, checked to be a run of {@code command}. */
  static JsonNode readRunConfig(Path run, String command) throws IOException {
    Path file = run.resolve("config.json");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "cannot resume "
              + run
              + ": it has no config.json (not a"
              + " run directory of recformer "
              + command
              + ", or the run never started)");
    }
    if (!Files.isRegularFile(run.resolve("state.json"))) {
      throw new IllegalArgumentException(
          "cannot resume "
              + run
              + ": no epoch was completed"
              + " (no state.json); start it again with a new --out directory");
    }
    JsonNode node = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    if (!node.path("options").isObject() || !node.path("model").isObject()) {
      throw new DataFormatException(
          file,
          0,
          null,
          "wrong-format",
          "expected 'options' and 'model' objects (a run directory of recformer " + command + ")");
    }
    return node;
  }

  /** Refuses to resume a run on another dataset than the one its provenance names. */
  static void requireSameDataset(Path run, Dataset dataset) throws IOException {
    Path file = run.resolve("provenance.json");
    if (!Files.isRegularFile(file)) {
      return;
    }
    String saved =
        JSON.readTree(Files.readString(file, StandardCharsets.UTF_8))
            .path("datasetFingerprint")
            .asText("");
    if (!saved.isEmpty() && !saved.equals(dataset.fingerprint())) {
      throw new IllegalArgumentException(
          "dataset "
              + dataset.name()
              + " (fingerprint "
              + dataset.fingerprint()
              + ") is not the dataset run "
              + run
              + " was trained on"
              + " (fingerprint "
              + saved
              + "); pass the same dataset directory as when it started");
    }
  }
}
