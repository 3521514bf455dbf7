package io.recformer.infer.encoder;

import java.util.Locale;
import java.util.Objects;

/**
 * How a {@link RecformerEncoder} runs.
 *
 * @param intraOpThreads ONNX Runtime threads inside one operator (matrix products); more threads
 *     cut latency of one call until they exceed the physical cores, but concurrent callers then
 *     compete for the same cores. Typical: the cores one encoder may use (2 to 8); 1 for many
 *     concurrent callers
 * @param device CPU or CUDA
 * @param deviceId CUDA device ordinal (0 for the first GPU); ignored on CPU
 * @param batchSize sequences per engine call; larger batches amortize call overhead and use wider
 *     matrix products but pad more and hold more memory (about batch x length x 4 d floats per
 *     layer). Typical: 32 on CPU, 128 or more on a GPU
 * @param graphOptimization how far ONNX Runtime rewrites the graph when the session is created:
 *     {@link GraphOptimization#ALL} (the default) fuses LayerNorm, GELU and the int8 MatMul pattern
 *     of a quantized bundle; lower levels open faster and run slower (docs/benchmarks.md)
 * @param intraOpSpinning whether idle intra-op threads spin for the next piece of work instead of
 *     sleeping: lowers latency when the encoder owns its cores, burns CPU that other processes or
 *     request threads on the same cores could use. Typical: true for a dedicated server (ONNX
 *     Runtime's default), false on a shared or oversubscribed machine
 * @param executionMode {@link ExecutionMode#SEQUENTIAL} (the default: one operator at a time, all
 *     intra-op threads on it) or {@link ExecutionMode#PARALLEL} (independent branches at once on an
 *     inter-op pool as large as the intra-op one; only helps graphs with wide parallel branches)
 */
public record EncoderOptions(
    int intraOpThreads,
    ExecutionDevice device,
    int deviceId,
    int batchSize,
    GraphOptimization graphOptimization,
    boolean intraOpSpinning,
    ExecutionMode executionMode) {

  /** ONNX Runtime graph optimization levels (its {@code GraphOptimizationLevel}). */
  public enum GraphOptimization {
    /** No rewriting. */
    NONE,
    /** Constant folding and redundant-node removal. */
    BASIC,
    /** BASIC plus operator fusions (LayerNorm, GELU, attention, int8 MatMul). */
    EXTENDED,
    /** EXTENDED plus layout optimizations. */
    ALL
  }

  /** How ONNX Runtime schedules operators. */
  public enum ExecutionMode {
    /** One operator at a time. */
    SEQUENTIAL,
    /** Independent operators concurrently. */
    PARALLEL
  }

  public EncoderOptions {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT, "intraOpThreads = %d is out of range: must be >= 1", intraOpThreads));
    }
    Objects.requireNonNull(device, "device");
    if (deviceId < 0) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "deviceId = %d is out of range: must be >= 0", deviceId));
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "batchSize = %d is out of range: must be >= 1", batchSize));
    }
    Objects.requireNonNull(graphOptimization, "graphOptimization");
    Objects.requireNonNull(executionMode, "executionMode");
  }

  /**
   * Options with ONNX Runtime's session defaults: all graph optimizations, spinning intra-op
   * threads, sequential execution.
   */
  public EncoderOptions(int intraOpThreads, ExecutionDevice device, int deviceId, int batchSize) {
    this(
        intraOpThreads,
        device,
        deviceId,
        batchSize,
        GraphOptimization.ALL,
        true,
        ExecutionMode.SEQUENTIAL);
  }

  /**
   * CPU, one intra-op thread, batches of 32, ONNX Runtime's session defaults: suits a service,
   * where concurrent requests each run their own encoder call and more intra-op threads per call
   * would oversubscribe the cores. A batch job (indexing a catalog) sets {@link
   * #withIntraOpThreads} to the cores instead.
   */
  public static EncoderOptions defaults() {
    return new EncoderOptions(1, ExecutionDevice.CPU, 0, 32);
  }

  public EncoderOptions withIntraOpThreads(int threads) {
    return new EncoderOptions(
        threads, device, deviceId, batchSize, graphOptimization, intraOpSpinning, executionMode);
  }

  public EncoderOptions withBatchSize(int size) {
    return new EncoderOptions(
        intraOpThreads, device, deviceId, size, graphOptimization, intraOpSpinning, executionMode);
  }

  /** These options on the CPU. */
  public EncoderOptions withCpu() {
    return new EncoderOptions(
        intraOpThreads,
        ExecutionDevice.CPU,
        0,
        batchSize,
        graphOptimization,
        intraOpSpinning,
        executionMode);
  }

  /** These options on the CUDA device with this ordinal. */
  public EncoderOptions withCuda(int cudaDeviceId) {
    return new EncoderOptions(
        intraOpThreads,
        ExecutionDevice.CUDA,
        cudaDeviceId,
        batchSize,
        graphOptimization,
        intraOpSpinning,
        executionMode);
  }

  /** These options with another graph optimization level. */
  public EncoderOptions withGraphOptimization(GraphOptimization level) {
    return new EncoderOptions(
        intraOpThreads, device, deviceId, batchSize, level, intraOpSpinning, executionMode);
  }

  /** These options with intra-op spinning on or off. */
  public EncoderOptions withIntraOpSpinning(boolean spinning) {
    return new EncoderOptions(
        intraOpThreads, device, deviceId, batchSize, graphOptimization, spinning, executionMode);
  }

  /** These options with another execution mode. */
  public EncoderOptions withExecutionMode(ExecutionMode mode) {
    return new EncoderOptions(
        intraOpThreads, device, deviceId, batchSize, graphOptimization, intraOpSpinning, mode);
  }
}
