/**
 * The Recformer encoder in DJL (PyTorch engine): embeddings with token and item positions, post-LN
 * Longformer layers with exact sliding-window plus global attention (reference section 3), and the
 * tied MLM head. Parameters carry Hugging Face Longformer names so weights move in and out as
 * {@link io.recformer.train.weights.WeightTensor}s.
 */
package io.recformer.train.model;
