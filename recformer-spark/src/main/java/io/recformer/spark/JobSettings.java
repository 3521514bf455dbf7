package io.recformer.spark;

import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.recommend.RecommendOptions;
import java.io.Serializable;

/** What executor tasks need to know of a job, sent with every task. */
record JobSettings(
    BundleLocation bundle,
    int encoderThreads,
    int encoderBatchSize,
    int k,
    boolean excludeHistory,
    double historyPenalty,
    int usersPerChunk)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  EncoderOptions encoderOptions() {
    return EncoderOptions.defaults()
        .withIntraOpThreads(encoderThreads)
        .withBatchSize(encoderBatchSize)
        // Tasks share the executor's cores: idle ONNX Runtime threads must not spin on them.
        .withIntraOpSpinning(false);
  }

  /** The Recommender options these settings stand for (no id filter: not serializable). */
  RecommendOptions recommendOptions() {
    return historyPenalty > 0
        ? RecommendOptions.DEFAULTS.withHistoryPenalty(historyPenalty)
        : RecommendOptions.DEFAULTS.withExcludeHistory(excludeHistory);
  }
}
