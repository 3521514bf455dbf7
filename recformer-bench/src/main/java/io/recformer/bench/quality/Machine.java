package io.recformer.bench.quality;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Best-effort description of the machine for benchmark records (Linux /proc; "unknown" elsewhere). */
final class Machine {

  private Machine() {}

  static String cpuModel() {
    return procField(Path.of("/proc/cpuinfo"), "model name");
  }

  static String totalMemory() {
    String kb = procField(Path.of("/proc/meminfo"), "MemTotal");
    try {
      long value = Long.parseLong(kb.replace("kB", "").trim());
      return String.format(Locale.ROOT, "%.1f GiB", value / 1024.0 / 1024.0);
    } catch (NumberFormatException e) {
      return kb;
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
