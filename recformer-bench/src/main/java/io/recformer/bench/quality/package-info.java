/**
 * The quality benchmark (reference section 6): leave-one-out, full ranking over every catalog item,
 * Recall@10/50, NDCG@10/50 and MRR under stated tie and history policies, for the baselines of
 * {@code io.recformer.bench.baseline}, with an in-set / cold-start slice, next to published
 * numbers. {@link io.recformer.bench.quality.QualityBenchmark} is the command (its options and the
 * run's order); {@code ModelRunner} runs each model and {@code QualityMarkdown} and {@code
 * ResultWriter} write the results as CSV, JSON, Markdown and a PNG chart.
 */
package io.recformer.bench.quality;
