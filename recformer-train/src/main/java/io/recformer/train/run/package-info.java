/**
 * The training loop pre-training and fine-tuning share: the epochs of a stage ({@link
 * io.recformer.train.run.StageRunner}), the optimizer steps of an epoch ({@link
 * io.recformer.train.run.StepLoop}, {@link io.recformer.train.run.TrainingStep}), model selection
 * and the saves a run resumes from ({@link io.recformer.train.run.RunCheckpoints}). Run directories
 * people can trust: resolved configuration, provenance, per-step and per-evaluation metrics as CSV,
 * checkpoints, the final report as JSON and Markdown, PNG charts of the training loss and
 * validation metrics, progress lines with throughput and ETA, and the device selection of a run.
 */
package io.recformer.train.run;
