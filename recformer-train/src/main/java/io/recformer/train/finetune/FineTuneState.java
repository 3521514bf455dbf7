package io.recformer.train.finetune;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.DynamicLossScaler;
import io.recformer.train.run.CsvLog;
import io.recformer.train.run.ModelSelection;
import io.recformer.train.run.RunCheckpoints;
import io.recformer.train.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a fine-tuning run stands, and its saves: the counters of {@code state.json} (stage, epoch,
 * steps, the best validation and patience, samples seen, the position inside an interrupted epoch,
 * the zero-shot and popularity results), the resume point {@code last/} and the best model {@code
 * best/}, each with the item matrix it needs ({@link RunCheckpoints}, {@link ItemMatrices}).
 */
final class FineTuneState {

  private static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);
  private static final String MATRIX_FILE = "item-matrix.safetensors";

  private final FineTuneOptions options;
  private final RunDirectory run;
  private final RunCheckpoints checkpoints;
  private final ItemMatrices matrices;
  private final CsvLog steps;
  private final CsvLog evals;

  String stage;
  int stageIndex;

  /** Completed epochs of the current stage. */
  int epoch;

  long globalStep;
  long stageStep;
  ModelSelection selection = new ModelSelection();
  String bestStage = "initial";
  int completedEpochs;
  long samplesSeen;
  long skippedSteps;
  // Where a stopped run left its epoch: micro-batches and optimizer steps done (0 at a boundary).
  int batchesDoneInEpoch;
  long stepsDoneInEpoch;
  ObjectNode zeroShot;
  ObjectNode popularity;
  ObjectNode bestValidation;

  FineTuneState(
      FineTuneOptions options,
      RunDirectory run,
      RunCheckpoints checkpoints,
      ItemMatrices matrices,
      CsvLog steps,
      CsvLog evals) {
    this.options = options;
    this.run = run;
    this.checkpoints = checkpoints;
    this.matrices = matrices;
    this.steps = steps;
    this.evals = evals;
  }

  /** A fresh run at the start of its first stage. */
  void start(String firstStage) {
    stageIndex = 0;
    stage = firstStage;
    epoch = 0;
  }

  /** Moves on to the next stage with fresh stage counters; false when no stage is left. */
  boolean nextStage(List<String> stages) {
    stageIndex++;
    if (stageIndex >= stages.size()) {
      return false;
    }
    stage = stages.get(stageIndex);
    epoch = 0;
    stageStep = 0;
    selection.resetPatience();
    return true;
  }

  /** Writes {@code state.json}, the commit point of the run. */
  void save(boolean stageDone) throws IOException {
    ObjectNode s = RunDirectory.JSON.createObjectNode();
    s.put("stage", stage);
    s.put("stageIndex", stageIndex);
    s.put("stageDone", stageDone);
    s.put("epoch", epoch);
    s.put("globalStep", globalStep);
    s.put("stageStep", stageStep);
    s.put("bestMetric", selection.best());
    s.put("bestStage", bestStage);
    s.put("badEvaluations", selection.badEvaluations());
    s.put("completedEpochs", completedEpochs);
    s.put("samplesSeen", samplesSeen);
    s.put("batchesDoneInEpoch", batchesDoneInEpoch);
    s.put("stepsDoneInEpoch", stepsDoneInEpoch);
    if (zeroShot != null) {
      s.set("zeroShot", zeroShot);
    }
    s.set("popularity", popularity);
    if (bestValidation != null) {
      s.set("bestValidation", bestValidation);
    }
    checkpoints.writeState(s, skippedSteps, steps, evals);
  }

  /**
   * Takes the counters of a saved {@code state.json} and cuts the CSV logs back to them; true if
   * the saved stage was done, so the next one starts fresh.
   */
  boolean restore(JsonNode s, List<String> stages) {
    stageIndex = s.get("stageIndex").asInt();
    stage = s.get("stage").asText();
    epoch = s.get("epoch").asInt();
    globalStep = s.get("globalStep").asLong();
    stageStep = s.get("stageStep").asLong();
    selection = new ModelSelection(s.get("bestMetric").asDouble(), s.get("badEvaluations").asInt());
    bestStage = s.get("bestStage").asText();
    completedEpochs = s.get("completedEpochs").asInt();
    samplesSeen = s.path("samplesSeen").asLong(0);
    batchesDoneInEpoch = s.path("batchesDoneInEpoch").asInt(0);
    stepsDoneInEpoch = s.path("stepsDoneInEpoch").asLong(0);
    zeroShot =
        s.has("zeroShot") && s.get("zeroShot").isObject() ? (ObjectNode) s.get("zeroShot") : null;
    popularity = (ObjectNode) s.get("popularity");
    bestValidation = s.has("bestValidation") ? (ObjectNode) s.get("bestValidation") : null;
    skippedSteps = RunCheckpoints.restoreLogs(s, steps, evals);
    LOG.info("resuming {} after {} epoch {} (step {})", run.root(), stage, epoch, globalStep);
    if (s.get("stageDone").asBoolean()) {
      stageIndex++;
      if (stageIndex < stages.size()) {
        stage = stages.get(stageIndex);
      }
      epoch = 0;
      stageStep = 0;
      selection.resetPatience();
      return true;
    }
    return false;
  }

  /** Keeps the current model and the matrix it was validated with as the best. */
  void saveBest(NDArray evalMatrix) throws IOException {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put(options.validationMetric(), selection.best());
    Path best = checkpoints.saveBest(globalStep, epoch, stage, metrics);
    ItemMatrices.write(best.resolve(MATRIX_FILE), evalMatrix);
  }

  /** The item matrix kept with the best model. */
  Path bestMatrix() {
    return checkpoints.best().resolve(MATRIX_FILE);
  }

  /** Loads the best model's weights. */
  void loadBestModel() throws IOException {
    checkpoints.loadBest();
  }

  /**
   * Saves the resume point: model, optimizer, the loss scaler in mixed precision ({@code scaler}
   * null otherwise) and, where a resume cannot re-encode it, the matrix.
   */
  void saveLast(AdamW optimizer, DynamicLossScaler scaler, boolean trainable) throws IOException {
    Path last = checkpoints.saveLast(optimizer, scaler, globalStep, epoch, stage);
    NDArray current = matrices.current(trainable);
    // Stage 1 re-encodes its matrix every epoch, except when resuming inside one.
    if (current != null && (!stage.equals(FineTuner.STAGE1) || batchesDoneInEpoch > 0)) {
      ItemMatrices.write(last.resolve(MATRIX_FILE), current);
    }
  }

  /**
   * Loads the resume point into the model and the stage's matrix slot; {@code optimizer} is the
   * stage's own (a run-wide one was loaded once when the run resumed) or null; {@code scaler} the
   * stage's loss scaler in mixed precision, or null.
   */
  void loadLast(AdamW optimizer, DynamicLossScaler scaler, boolean trainable, boolean reencode)
      throws IOException {
    checkpoints.restoreLast(optimizer, false);
    checkpoints.restoreLossScaler(scaler);
    if (!reencode || batchesDoneInEpoch > 0) {
      matrices.replace(trainable, matrices.read(checkpoints.last().resolve(MATRIX_FILE)));
    }
  }

  /** Loads the run-wide optimizer's saved state, if the resume point has one. */
  void restoreOptimizer(AdamW optimizer) throws IOException {
    checkpoints.restoreOptimizer(optimizer, false);
  }
}
