/**
 * Baseline recommenders for the quality benchmark, each scoring the whole catalog for an input
 * history: {@link io.recformer.bench.baseline.PopularityBaseline} (training counts), {@link
 * io.recformer.bench.baseline.SasRec} (ID-based self-attention trained with DJL on PyTorch) and
 * {@link io.recformer.bench.baseline.TextBaseline} (zero-shot all-MiniLM-L6-v2 item vectors). Items
 * are dense catalog indices; every baseline is trained only on the training part of a leave-one-out
 * split.
 */
package io.recformer.bench.baseline;
