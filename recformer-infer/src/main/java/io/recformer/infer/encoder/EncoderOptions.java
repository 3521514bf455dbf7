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
 */
public record EncoderOptions(
    int intraOpThreads, ExecutionDevice device, int deviceId, int batchSize) {

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
  }

  /**
   * CPU, one intra-op thread, batches of 32: suits a service, where concurrent requests each run
   * their own encoder call and more intra-op threads per call would oversubscribe the cores. A
   * batch job (indexing a catalog) sets {@link #withIntraOpThreads} to the cores instead.
   */
  public static EncoderOptions defaults() {
    return new EncoderOptions(1, ExecutionDevice.CPU, 0, 32);
  }

  public EncoderOptions withIntraOpThreads(int threads) {
    return new EncoderOptions(threads, device, deviceId, batchSize);
  }

  public EncoderOptions withBatchSize(int size) {
    return new EncoderOptions(intraOpThreads, device, deviceId, size);
  }

  /** These options on the CPU. */
  public EncoderOptions withCpu() {
    return new EncoderOptions(intraOpThreads, ExecutionDevice.CPU, 0, batchSize);
  }

  /** These options on the CUDA device with this ordinal. */
  public EncoderOptions withCuda(int cudaDeviceId) {
    return new EncoderOptions(intraOpThreads, ExecutionDevice.CUDA, cudaDeviceId, batchSize);
  }
}
