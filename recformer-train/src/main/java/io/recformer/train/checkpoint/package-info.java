/**
 * Checkpoint directories: {@code model.safetensors} plus {@code manifest.json} (config, provenance,
 * training state, hash), optionally the optimizer state for resume. Loading accepts the original
 * Recformer's parameter names and reports missing, unexpected and wrongly shaped tensors.
 */
package io.recformer.train.checkpoint;
