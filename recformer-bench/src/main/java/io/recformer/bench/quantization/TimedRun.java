package io.recformer.bench.quantization;

import com.sun.management.OperatingSystemMXBean;
import io.recformer.core.text.EncodedSequence;
import io.recformer.infer.encoder.RecformerEncoder;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/** One bundle's vectors and timings (wall and process CPU time). */
final class TimedRun {
  private final RecformerEncoder encoder;
  float[][] itemVectors;
  float[][] historyVectors = new float[0][];
  double itemsPerSecond;
  double itemsPerCpuSecond;
  double historiesPerSecond = Double.NaN;
  double historiesPerCpuSecond = Double.NaN;

  private TimedRun(RecformerEncoder encoder) {
    this.encoder = encoder;
  }

  /** Warms up on one batch, then encodes the items once, timed. */
  static TimedRun start(RecformerEncoder encoder, List<EncodedSequence> items) {
    TimedRun r = new TimedRun(encoder);
    encoder.encodeSequences(items.subList(0, Math.min(items.size(), 64)));
    long cpu = cpuNanos();
    long t = System.nanoTime();
    r.itemVectors = encoder.encodeSequences(items);
    r.itemsPerSecond = items.size() / ((System.nanoTime() - t) / 1e9);
    r.itemsPerCpuSecond = items.size() / ((cpuNanos() - cpu) / 1e9);
    return r;
  }

  /** Wall seconds to encode {@code items} once. */
  static double seconds(RecformerEncoder encoder, List<EncodedSequence> items) {
    long t = System.nanoTime();
    encoder.encodeSequences(items);
    return (System.nanoTime() - t) / 1e9;
  }

  void histories(List<EncodedSequence> histories) {
    if (histories.isEmpty()) {
      return;
    }
    long cpu = cpuNanos();
    long t = System.nanoTime();
    historyVectors = encoder.encodeSequences(histories);
    historiesPerSecond = histories.size() / ((System.nanoTime() - t) / 1e9);
    historiesPerCpuSecond = histories.size() / ((cpuNanos() - cpu) / 1e9);
  }

  String speedRow(String label) {
    return String.format(
        Locale.ROOT,
        "| %s | %.1f | %.1f | %.1f | %.1f |",
        label,
        itemsPerSecond,
        itemsPerCpuSecond,
        historiesPerSecond,
        historiesPerCpuSecond);
  }

  private static long cpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
