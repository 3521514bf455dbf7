package io.recformer.train.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.core.io.AtomicFiles;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.DynamicLossScaler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The resumable point of a training run ({@code last/} of a run directory), the same for
 * pre-training and fine-tuning: the model checkpoint ({@link Checkpoints}) and, beside it, the
 * optimizer's moments and step count and, in mixed precision, the loss scaler's state, so that a
 * resumed run continues exactly where the saved one stood. The loop's own counters go to the run's
 * {@code state.json}.
 */
public final class ResumePoint {

  /** The optimizer state's file inside the checkpoint directory. */
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";

  /** The loss scaler's state (mixed precision only) inside the checkpoint directory. */
  public static final String LOSS_SCALER_FILE = "loss-scaler.json";

  /** The {@code format} field of {@link #LOSS_SCALER_FILE}, checked on read. */
  static final String LOSS_SCALER_FORMAT = "recformer-loss-scaler-1";

  private static final ObjectMapper JSON = new ObjectMapper();

  private ResumePoint() {}

  /** Writes the model checkpoint and the optimizer state into {@code directory}. */
  public static void save(
      Path directory, RecformerModel model, CheckpointManifest manifest, AdamW optimizer)
      throws IOException {
    save(directory, model, manifest, optimizer, null);
  }

  /**
   * As {@link #save(Path, RecformerModel, CheckpointManifest, AdamW)} plus the loss scaler's scale
   * and good-step count when {@code scaler} is not null; without one a stale scaler file is
   * removed, so the directory never pairs new weights with an old scale.
   */
  public static void save(
      Path directory,
      RecformerModel model,
      CheckpointManifest manifest,
      AdamW optimizer,
      DynamicLossScaler scaler)
      throws IOException {
    Checkpoints.save(directory, model, manifest);
    optimizer.save(directory.resolve(OPTIMIZER_FILE));
    Path file = directory.resolve(LOSS_SCALER_FILE);
    if (scaler == null) {
      Files.deleteIfExists(file);
      return;
    }
    ObjectNode state = JSON.createObjectNode();
    state.put("format", LOSS_SCALER_FORMAT);
    state.put("scale", scaler.scale());
    state.put("goodSteps", scaler.goodSteps());
    AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
  }

  /**
   * Loads the weights saved in {@code directory} into {@code model} and, when {@code optimizer} is
   * given, its state into the optimizer.
   *
   * @param optimizerRequired whether a missing optimizer file is an error (false: the optimizer is
   *     left as it is)
   */
  public static void restore(
      Path directory, RecformerModel model, AdamW optimizer, boolean optimizerRequired)
      throws IOException {
    Checkpoints.loadInto(model, Checkpoints.read(directory).weights());
    if (optimizer != null) {
      restoreOptimizer(directory, optimizer, optimizerRequired);
    }
  }

  /** Loads the optimizer state saved in {@code directory}; see {@link #restore}. */
  public static void restoreOptimizer(Path directory, AdamW optimizer, boolean required)
      throws IOException {
    Path file = directory.resolve(OPTIMIZER_FILE);
    if (required || Files.exists(file)) {
      optimizer.load(file);
    }
  }

  /**
   * Restores the loss scaler's state saved in {@code directory}. Nothing happens when {@code
   * scaler} is null (a float32 run) or the directory has no scaler file (a checkpoint of a float32
   * run, or one written before mixed precision existed): the scaler then keeps its initial state.
   *
   * @return whether a state was restored
   * @throws IOException when the file exists but is not a loss scaler state of this format
   */
  public static boolean restoreLossScaler(Path directory, DynamicLossScaler scaler)
      throws IOException {
    Path file = directory.resolve(LOSS_SCALER_FILE);
    if (scaler == null || !Files.exists(file)) {
      return false;
    }
    JsonNode state;
    try {
      state = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IOException("loss scaler state " + file + " is not JSON: " + e.getMessage(), e);
    }
    String format = state.path("format").asText("");
    if (!format.equals(LOSS_SCALER_FORMAT)) {
      throw new IOException(
          "loss scaler state "
              + file
              + " has format '"
              + format
              + "', expected '"
              + LOSS_SCALER_FORMAT
              + "'");
    }
    if (!state.path("scale").isNumber() || !state.path("goodSteps").canConvertToInt()) {
      throw new IOException(
          "loss scaler state " + file + " needs a numeric 'scale' and an integer 'goodSteps'");
    }
    try {
      scaler.restore(state.get("scale").asDouble(), state.get("goodSteps").asInt());
    } catch (IllegalArgumentException e) {
      throw new IOException("loss scaler state " + file + ": " + e.getMessage(), e);
    }
    return true;
  }
}
