package io.recformer.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.checkpoint.ResumePoint;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.DynamicLossScaler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The saved state of a training run, shared by pre-training and fine-tuning: {@code best/} (the
 * best model by validation, with its metric), {@code last/} (the resume point: model and optimizer,
 * {@link ResumePoint}) and {@code state.json}, the loop's counters, written last as the commit
 * point. Each trainer names its own counters; the step counters every run has (skipped steps, rows
 * of the CSV logs to keep on resume) are added and restored here.
 */
public final class RunCheckpoints {

  /** The counters' file in the run directory. */
  public static final String STATE = "state.json";

  private final RunDirectory run;
  private final RecformerModel model;
  private final String datasetFingerprint;
  private final long seed;
  private final Map<String, String> provenance;

  /**
   * @param model the primary model, whose weights are saved and loaded
   * @param provenance extras of the checkpoints' provenance (the task or variant)
   */
  public RunCheckpoints(
      RunDirectory run,
      RecformerModel model,
      String datasetFingerprint,
      long seed,
      Map<String, String> provenance) {
    this.run = run;
    this.model = model;
    this.datasetFingerprint = datasetFingerprint;
    this.seed = seed;
    this.provenance = Map.copyOf(provenance);
  }

  /** The resume point's directory. */
  public Path last() {
    return run.resolve("last");
  }

  /** The best model's directory. */
  public Path best() {
    return run.resolve("best");
  }

  private CheckpointManifest manifest(long globalStep, int epoch, String stage) {
    return Checkpoints.manifest(model, datasetFingerprint, seed, provenance)
        .withTrainingState(globalStep, epoch, stage);
  }

  /** Saves the model with its validation metrics as the best one. */
  public Path saveBest(long globalStep, int epoch, String stage, Map<String, Double> metrics)
      throws IOException {
    Checkpoints.save(best(), model, manifest(globalStep, epoch, stage).withMetrics(metrics));
    return best();
  }

  /**
   * Saves the resume point: the model, {@code optimizer}'s state and, in mixed precision, the loss
   * scaler's ({@code scaler} null otherwise).
   */
  public Path saveLast(
      AdamW optimizer, DynamicLossScaler scaler, long globalStep, int epoch, String stage)
      throws IOException {
    ResumePoint.save(last(), model, manifest(globalStep, epoch, stage), optimizer, scaler);
    return last();
  }

  /**
   * Restores the loss scaler saved with the resume point ({@link ResumePoint#restoreLossScaler}).
   */
  public void restoreLossScaler(DynamicLossScaler scaler) throws IOException {
    ResumePoint.restoreLossScaler(last(), scaler);
  }

  /**
   * Loads the resume point's weights and, when {@code optimizer} is given, its state ({@link
   * ResumePoint#restore}).
   */
  public void restoreLast(AdamW optimizer, boolean optimizerRequired) throws IOException {
    ResumePoint.restore(last(), model, optimizer, optimizerRequired);
  }

  /** Loads the resume point's optimizer state ({@link ResumePoint#restoreOptimizer}). */
  public void restoreOptimizer(AdamW optimizer, boolean required) throws IOException {
    ResumePoint.restoreOptimizer(last(), optimizer, required);
  }

  /** Loads the best model's weights into the model. */
  public void loadBest() throws IOException {
    Checkpoints.loadInto(model, Checkpoints.read(best()).weights());
  }

  /**
   * Writes {@code state.json}: the trainer's {@code counters} followed by the skipped steps and the
   * rows of the two CSV logs.
   */
  public void writeState(ObjectNode counters, long skippedSteps, CsvLog steps, CsvLog evals)
      throws IOException {
    counters.put("skippedSteps", skippedSteps);
    counters.put("stepRows", steps.rows());
    counters.put("evalRows", evals.rows());
    run.writeJson(STATE, counters);
  }

  /**
   * Cuts the CSV logs back to the rows a saved state had written (later rows belong to work the
   * resumed run redoes) and returns the skipped steps it had counted (0 in states written before
   * they were counted).
   */
  public static long restoreLogs(JsonNode state, CsvLog steps, CsvLog evals) {
    steps.truncate(state.get("stepRows").asInt());
    evals.truncate(state.get("evalRows").asInt());
    return state.path("skippedSteps").asLong(0);
  }
}
