/**
 * Baseline recommenders for the quality benchmark, each scoring the whole catalog for an input
 * history: {@link io.recformer.bench.baseline.PopularityBaseline} (training counts), the ID-based
 * {@link io.recformer.bench.baseline.SasRec}, {@link io.recformer.bench.baseline.Gru4Rec} and
 * {@link io.recformer.bench.baseline.Bert4Rec} (trained with DJL on PyTorch through one shared
 * early-stopping run, {@code NextItemTrainer.fit}, over networks that share their parameter
 * handling, {@code ItemNetwork}) and {@link io.recformer.bench.baseline.TextBaseline} (zero-shot
 * all-MiniLM-L6-v2 item vectors). Items are dense catalog indices; every baseline is trained only
 * on the training part of a leave-one-out split.
 */
package io.recformer.bench.baseline;
