package io.recformer.data.importer;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an import read and what it left out. Counter keys starting with {@code skipped.} are bad
 * lines or entries skipped in lenient mode (by reason, e.g. {@code skipped.malformed-json}); {@code
 * dropped.} are records left out by rule in either mode (e.g. {@code dropped.item-without-title},
 * {@code dropped.interaction-unknown-item}); {@code ignored.} count what was read but not used
 * (e.g. {@code ignored.user-file-rows}, the rows of a RecBole {@code .user} file).
 *
 * @param format the source format
 * @param sources the files read
 * @param bytesRead bytes read from disk (compressed bytes for gzip files)
 * @param linesRead lines (or whole-document entries) read
 * @param elapsed wall time of the import
 * @param counts counters by key
 */
public record ImportReport(
    String format,
    List<String> sources,
    long bytesRead,
    long linesRead,
    Duration elapsed,
    Map<String, Long> counts) {

  public ImportReport {
    sources = List.copyOf(sources);
    counts = Collections.unmodifiableMap(new TreeMap<>(counts));
  }

  /** The counter with this key, 0 when absent. */
  public long count(String key) {
    return counts.getOrDefault(key, 0L);
  }

  /** Bad lines or entries skipped in lenient mode, over all reasons. */
  public long skippedLines() {
    return counts.entrySet().stream()
        .filter(e -> e.getKey().startsWith("skipped."))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Disk read throughput in MB/s (10^6 bytes), 0 when the import took no measurable time. */
  public double megabytesPerSecond() {
    double seconds = elapsed.toNanos() / 1e9;
    return seconds <= 0 ? 0 : bytesRead / 1e6 / seconds;
  }

  /** A one-line human-readable summary. */
  public String summary() {
    return String.format(
        Locale.ROOT,
        "%s: %.1f MB, %d lines in %.2f s (%.1f MB/s), %d bad lines skipped, counts %s",
        format,
        bytesRead / 1e6,
        linesRead,
        elapsed.toNanos() / 1e9,
        megabytesPerSecond(),
        skippedLines(),
        counts);
  }
}
