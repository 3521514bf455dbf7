package io.recformer.bench.quality;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Best-effort description of the machine for benchmark records (Linux /proc; "unknown" elsewhere);
 * shared by the quality and efficiency benchmarks.
 */
public final class Machine {

  private Machine() {}

  public static String cpuModel() {
    return procField(Path.of("/proc/cpuinfo"), "model name");
  }

  public static String totalMemory() {
    String kb = procField(Path.of("/proc/meminfo"), "MemTotal");
    try {
      long value = Long.parseLong(kb.replace("kB", "").trim());
      return String.format(Locale.ROOT, "%.1f GiB", value / 1024.0 / 1024.0);
    } catch (NumberFormatException e) {
      return kb;
    }
  }

  /** Total memory in kB, or -1 when unknown. */
  public static long totalMemoryKb() {
    try {
      return Long.parseLong(
          procField(Path.of("/proc/meminfo"), "MemTotal").replace("kB", "").trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The 1-, 5- and 15-minute load averages, or "unknown". */
  public static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ", -1);
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String procField(Path file, String key) {
    try {
      List<String> lines = Files.readAllLines(file);
      for (String line : lines) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
          return line.substring(colon + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
    return "unknown";
  }
}
