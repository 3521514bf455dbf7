package io.recformer.train.model;

import ai.djl.ndarray.NDArray;

/**
 * What the encoder returns for a batch; both arrays live in the caller's (per-batch) manager.
 *
 * @param hiddenStates last layer's hidden states {@code [batch, length, hidden]}; padding rows are
 *     meaningless
 * @param pooled one vector per row {@code [batch, hidden]}, as chosen by the config's pooling
 */
public record EncoderOutput(NDArray hiddenStates, NDArray pooled) {}
