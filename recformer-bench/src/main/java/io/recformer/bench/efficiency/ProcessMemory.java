package io.recformer.bench.efficiency;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * This process's memory from Linux {@code /proc/self/status}: the peak resident set (VmHWM, kept by
 * the kernel, so no sample can miss it) and a sampled peak of native memory, estimated as resident
 * memory minus what the JVM uses of heap and non-heap (PyTorch, ONNX Runtime and tokenizer
 * allocations live outside the heap). The estimate is an upper bound: heap pages the collector has
 * freed stay resident and count as native here (subtracting the committed heap instead would give a
 * lower bound that is often negative, since committed pages need not be resident); a bounded heap
 * ({@code -Xmx}) bounds the error. Elsewhere the values are -1.
 */
final class ProcessMemory implements AutoCloseable {

  private static final Path STATUS = Path.of("/proc/self/status");

  private final Thread sampler;
  private final AtomicLong peakNativeKb = new AtomicLong(-1);
  private final AtomicLong peakGpuBytes = new AtomicLong(-1);
  private volatile boolean running = true;

  /**
   * Starts sampling every {@code periodMillis}.
   *
   * @param gpuBytesInUse GPU memory in use, or null when not on a GPU
   * @param capKb resident-set limit in kB (0 = none); above it {@code onCap} runs once
   */
  ProcessMemory(long periodMillis, LongSupplier gpuBytesInUse, long capKb, Runnable onCap) {
    MemoryMXBean jvm = ManagementFactory.getMemoryMXBean();
    sampler =
        new Thread(
            () -> {
              boolean capped = false;
              while (running) {
                long rss = statusKb("VmRSS:");
                if (rss >= 0) {
                  long javaKb =
                      (jvm.getHeapMemoryUsage().getUsed() + jvm.getNonHeapMemoryUsage().getUsed())
                          / 1024;
                  peakNativeKb.accumulateAndGet(Math.max(0, rss - javaKb), Math::max);
                  if (capKb > 0 && rss > capKb && !capped) {
                    capped = true;
                    onCap.run();
                  }
                }
                if (gpuBytesInUse != null) {
                  try {
                    peakGpuBytes.accumulateAndGet(gpuBytesInUse.getAsLong(), Math::max);
                  } catch (RuntimeException e) {
                    // the probe is best effort; the column stays empty
                  }
                }
                try {
                  Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "memory-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  long peakNativeMb() {
    long kb = peakNativeKb.get();
    return kb < 0 ? -1 : kb / 1024;
  }

  long peakGpuMb() {
    long b = peakGpuBytes.get();
    return b < 0 ? -1 : b >> 20;
  }

  /** Peak resident set size of this process so far, MB (VmHWM); -1 when unknown. */
  static long peakRssMb() {
    long kb = statusKb("VmHWM:");
    return kb < 0 ? -1 : kb / 1024;
  }

  /** A field of /proc/self/status in kB, or -1. */
  static long statusKb(String field) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }
}
