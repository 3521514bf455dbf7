package io.recformer.train.checkpoint;

import io.recformer.core.format.CheckpointManifest;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The resumable point of a training run ({@code last/} of a run directory), the same for
 * pre-training and fine-tuning: the model checkpoint ({@link Checkpoints}) and, beside it, the
 * optimizer's moments and step count, so that a resumed run continues exactly where the saved one
 * stood. The loop's own counters go to the run's {@code state.json}.
 */
public final class ResumePoint {

  /** The optimizer state's file inside the checkpoint directory. */
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";

  private ResumePoint() {}

  /** Writes the model checkpoint and the optimizer state into {@code directory}. */
  public static void save(
      Path directory, RecformerModel model, CheckpointManifest manifest, AdamW optimizer)
      throws IOException {
    Checkpoints.save(directory, model, manifest);
    optimizer.save(directory.resolve(OPTIMIZER_FILE));
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
}
