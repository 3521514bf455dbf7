/**
 * Run directories people can trust: resolved configuration, provenance, per-step and per-evaluation
 * metrics as CSV, checkpoints, the final report as JSON and Markdown, PNG charts of the training
 * loss and validation metrics, progress lines with throughput and ETA, and the device selection of
 * a run.
 */
package io.recformer.train.run;
