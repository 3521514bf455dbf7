/**
 * Two-stage fine-tuning (Algorithm 1, reference section 5) with the ablation variants of the mini
 * study, zero-shot and final test evaluation under the protocol of section 6, and resumable,
 * reproducible run directories.
 */
package io.recformer.train.finetune;
