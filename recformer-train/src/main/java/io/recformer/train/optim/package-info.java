/**
 * Optimization for training: an exact AdamW with decoupled weight decay that skips biases and
 * LayerNorm weights, the linear warmup-then-decay learning-rate schedule and clipping by global
 * gradient norm (reference sections 4-5). Optimizer state can be saved and restored for resume.
 */
package io.recformer.train.optim;
