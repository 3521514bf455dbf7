package io.recformer.infer.encoder;

/** Where ONNX Runtime runs the encoder. */
public enum ExecutionDevice {
  /** ONNX Runtime's default CPU execution provider (the {@code onnxruntime} artifact). */
  CPU,
  /**
   * NVIDIA GPU through the CUDA execution provider: needs the {@code onnxruntime_gpu} artifact
   * (Maven profile {@code gpu}), a CUDA 12 driver and cuDNN 9; see {@code docs/gpu.md}.
   */
  CUDA
}
