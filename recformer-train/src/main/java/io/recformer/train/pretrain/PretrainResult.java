package io.recformer.train.pretrain;

import java.nio.file.Path;

/**
 * What a pre-training run produced.
 *
 * @param runDirectory where everything was written; {@code best/} is the kept checkpoint
 * @param bestAccuracy best in-batch next-item accuracy on the held-out sequences
 * @param bestStep optimizer step at which it was reached
 * @param steps optimizer steps taken
 */
public record PretrainResult(Path runDirectory, double bestAccuracy, long bestStep, long steps) {}
