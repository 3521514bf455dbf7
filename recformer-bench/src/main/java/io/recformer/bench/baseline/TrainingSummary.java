package io.recformer.bench.baseline;

import java.util.List;

/**
 * What one early-stopped training run of an ID-based baseline did.
 *
 * @param epochsRun epochs trained before stopping
 * @param bestEpoch the epoch whose weights were kept (best validation NDCG@10), 1-based
 * @param bestValidationNdcg10 validation NDCG@10 of that epoch (original ties, history kept)
 * @param seconds wall time of the whole run, validation included
 * @param cpuSeconds CPU time of the training thread over the run (all of the compute when PyTorch
 *     runs one intra-op thread); NaN where the JVM cannot measure it
 * @param targetsPerEpoch predicted items per epoch (the unit of the targets/s rate)
 * @param validationNdcg10 validation NDCG@10 after each epoch
 * @param trainLoss mean training loss of each epoch
 */
public record TrainingSummary(
    int epochsRun,
    int bestEpoch,
    double bestValidationNdcg10,
    double seconds,
    double cpuSeconds,
    long targetsPerEpoch,
    List<Double> validationNdcg10,
    List<Double> trainLoss) {

  public TrainingSummary {
    validationNdcg10 = List.copyOf(validationNdcg10);
    trainLoss = List.copyOf(trainLoss);
  }

  /** Training targets per second over the whole run, validation passes included. */
  public double targetsPerSecond() {
    return seconds > 0 ? targetsPerEpoch * (double) epochsRun / seconds : Double.NaN;
  }
}
