package io.recformer.train.finetune;

import io.recformer.core.metrics.MetricReport;
import java.nio.file.Path;

/**
 * What a fine-tuning run produced.
 *
 * @param runDirectory where everything was written
 * @param zeroShotTest test metrics of the initial model before any training; null when the {@code
 *     zeroShotTest} option skipped it
 * @param finalTest test metrics of the best model with its item matrix
 * @param popularityTest the popularity baseline under the same protocol
 * @param bestValidation validation metrics of the kept model
 * @param bestStage stage in which the kept model was found
 * @param steps optimizer steps taken over all stages
 */
public record FineTuneResult(
    Path runDirectory,
    MetricReport zeroShotTest,
    MetricReport finalTest,
    MetricReport popularityTest,
    MetricReport bestValidation,
    String bestStage,
    long steps) {}
