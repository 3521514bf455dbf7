package io.recformer.train.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.DynamicLossScaler;
import io.recformer.train.optim.OptimizerStep;
import io.recformer.train.run.CsvLog;
import io.recformer.train.run.ModelSelection;
import io.recformer.train.run.RunCheckpoints;
import io.recformer.train.run.RunDirectory;
import java.io.IOException;
import java.util.Map;

/**
 * Where a pre-training run stands, and its saves: the counters of {@code state.json} (epoch, pairs
 * of the epoch done, step, best accuracy and patience, whether the run ended early), the resume
 * point {@code last/} and the best checkpoint {@code best/} ({@link RunCheckpoints}).
 */
final class PretrainState {

  /** The stage name in checkpoint manifests. */
  static final String STAGE = "pretrain";

  private final RunCheckpoints checkpoints;
  private final AdamW optimizer;
  // Null in float32; in mixed precision its scale is part of the resume point.
  private final DynamicLossScaler scaler;
  private final OptimizerStep stepper;
  private final CsvLog steps;
  private final CsvLog evals;

  /** Completed epochs. */
  int epoch;

  /** Pairs of epoch {@code epoch + 1} already trained on when the run was last saved. */
  int pairsDoneInEpoch;

  long globalStep;
  ModelSelection selection = new ModelSelection();
  long bestStep = -1;

  /** Ended before its last epoch: patience exhausted or {@code maxSteps} reached. */
  boolean stopped;

  PretrainState(
      RunCheckpoints checkpoints,
      AdamW optimizer,
      DynamicLossScaler scaler,
      OptimizerStep stepper,
      CsvLog steps,
      CsvLog evals) {
    this.checkpoints = checkpoints;
    this.optimizer = optimizer;
    this.scaler = scaler;
    this.stepper = stepper;
    this.steps = steps;
    this.evals = evals;
  }

  /** Takes the counters of a saved {@code state.json} and loads the resume point. */
  void restore(JsonNode s) throws IOException {
    epoch = s.get("epoch").asInt();
    globalStep = s.get("globalStep").asLong();
    selection = new ModelSelection(s.get("best").asDouble(), s.get("bad").asInt());
    bestStep = s.get("bestStep").asLong();
    stopped = s.get("stopped").asBoolean();
    pairsDoneInEpoch = s.path("pairsDoneInEpoch").asInt(0); // absent before mid-epoch saves
    stepper.restoreSkippedSteps(RunCheckpoints.restoreLogs(s, steps, evals));
    checkpoints.restoreLast(optimizer, true);
    checkpoints.restoreLossScaler(scaler);
  }

  /** Saves the resume point and then {@code state.json}. */
  void saveLast() throws IOException {
    checkpoints.saveLast(optimizer, scaler, globalStep, epoch, STAGE);
    ObjectNode s = RunDirectory.JSON.createObjectNode();
    s.put("epoch", epoch);
    s.put("globalStep", globalStep);
    s.put("best", selection.best());
    s.put("bestStep", bestStep);
    s.put("bad", selection.badEvaluations());
    s.put("stopped", stopped);
    s.put("pairsDoneInEpoch", pairsDoneInEpoch);
    checkpoints.writeState(s, stepper.skippedSteps(), steps, evals);
  }

  /** Keeps the current model as the best, with its held-out accuracy. */
  void saveBest(double accuracy) throws IOException {
    checkpoints.saveBest(globalStep, epoch, STAGE, Map.of("inBatchAccuracy", accuracy));
  }
}
