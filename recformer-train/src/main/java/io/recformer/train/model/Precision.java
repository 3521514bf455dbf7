package io.recformer.train.model;

import ai.djl.ndarray.types.DataType;

/**
 * The arithmetic the encoder runs in ({@link RecformerModel#setPrecision}). Parameters are always
 * float32: they are the optimizer's master weights, and checkpoints and ONNX exports stay float32.
 */
public enum Precision {

  /** Everything in float32 (the default, and the only sensible choice on a CPU). */
  FP32,

  /**
   * Mixed precision as PyTorch's autocast does it: matrix products (and GELU and dropout between
   * them) in float16 on weights and activations cast to float16 at use; embeddings, LayerNorm, the
   * softmax over scores plus mask, residual sums, the pooled output, MLM logits and the losses in
   * float32. Made for CUDA GPUs, whose matrix units run float16 several times faster than float32;
   * needs dynamic loss scaling in training ({@code io.recformer.train.optim.DynamicLossScaler}). On
   * a CPU float16 is slower than float32 and only serves the tests.
   */
  FP16_MIXED;

  /** The type of matrix-product operands (and of the masks that multiply them). */
  public DataType computeType() {
    return this == FP16_MIXED ? DataType.FLOAT16 : DataType.FLOAT32;
  }
}
