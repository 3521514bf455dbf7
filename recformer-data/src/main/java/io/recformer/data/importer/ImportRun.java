package io.recformer.data.importer;

import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bookkeeping of one import: applies the error policy, keeps the counters, reports progress,
 * reads line files row by row, and builds the {@link ImportReport} and the {@link ImportResult}.
 */
final class ImportRun {

  /** One non-blank line of a file; a {@link DataFormatException} goes to the error policy. */
  @FunctionalInterface
  interface LineHandler {
    void accept(LineSource lines) throws IOException;
  }

  /** A wrong header is a file-level mistake (wrong file or column order): never skipped. */
  static final String WRONG_HEADER = "wrong-header";

  private static final Logger LOG = LoggerFactory.getLogger(ImportRun.class);
  private static final int LOGGED_PROBLEMS = 10;

  private final String format;
  private final ImportOptions options;
  private final long startNanos = System.nanoTime();
  private final Map<String, Long> counts = new LinkedHashMap<>();
  private final List<String> sources = new ArrayList<>();
  private long bytes;
  private long lines;
  private long problems;
  private long lastProgressNanos = System.nanoTime();
  private LineSource currentSource;
  private long currentSourceStartNanos;

  ImportRun(String format, ImportOptions options) {
    this.format = format;
    this.options = options;
  }

  ImportOptions options() {
    return options;
  }

  /**
   * Strict mode rethrows; lenient mode counts the problem as {@code skipped.<reason>} and goes on.
   */
  void problem(DataFormatException e) throws DataFormatException {
    if (!options.lenientMode()) {
      throw e;
    }
    problems++;
    count("skipped." + e.reason());
    if (problems <= LOGGED_PROBLEMS) {
      LOG.warn("skipping bad input: {}", e.getMessage());
    } else if (problems == LOGGED_PROBLEMS + 1) {
      LOG.warn("more bad input; further problems are only counted");
    }
  }

  void count(String key) {
    counts.merge(key, 1L, Long::sum);
  }

  void add(String key, long n) {
    if (n != 0) {
      counts.merge(key, n, Long::sum);
    }
  }

  /** Opens a line file with this import's line-length limit. */
  LineSource open(Path file) throws IOException {
    return LineSource.open(file, options.maxLineBytes());
  }

  /**
   * Advances the source. A line over the length limit fails in strict mode; lenient mode counts it
   * ({@code skipped.line-too-long}) and goes on with the next line. A gzip stream cut short fails
   * in both modes unless {@link ImportOptions#allowTruncated()}: then the complete lines already
   * read are kept, {@code skipped.truncated-gzip} is counted, a warning logged, and the file ends.
   */
  boolean next(LineSource source) throws IOException {
    while (true) {
      try {
        return source.next();
      } catch (DataFormatException e) {
        if (!e.reason().equals(LineSource.TRUNCATED_GZIP)) {
          problem(e);
          continue;
        }
        if (!options.allowTruncated()) {
          throw new DataFormatException(
              e.file(),
              e.line(),
              null,
              e.reason(),
              e.detail()
                  + " Truncated files are refused even in lenient mode; to import the complete"
                  + " lines before the cut, pass --allow-truncated"
                  + " (ImportOptions.withAllowTruncated)",
              e.getCause());
        }
        count("skipped." + e.reason());
        LOG.warn(
            "keeping the {} complete lines before the cut, as --allow-truncated asks: {}",
            source.lineNumber(),
            e.getMessage());
        return false;
      }
    }
  }

  /**
   * Hands every remaining non-blank line to {@code handler}, applying the error policy to what it
   * rejects (except {@link #WRONG_HEADER}, which always fails), then records the file as read.
   */
  void readLines(LineSource lines, LineHandler handler) throws IOException {
    while (next(lines)) {
      tick(lines);
      if (lines.isBlank()) {
        continue;
      }
      try {
        handler.accept(lines);
      } catch (DataFormatException e) {
        if (e.reason().equals(WRONG_HEADER)) {
          throw e;
        }
        problem(e);
      }
    }
    finished(lines);
  }

  /** Records a file read whole (not line by line). */
  void readWhole(Path file, long size, long entries) {
    sources.add(file.toString());
    bytes += size;
    lines += entries;
  }

  /** Records a line file when finished. */
  void finished(LineSource source) {
    sources.add(source.file().toString());
    bytes += source.diskBytesRead();
    lines += source.lineNumber();
  }

  /** Called once per line; logs and reports progress at most every progressIntervalMillis. */
  void tick(LineSource source) {
    if ((source.lineNumber() & 0xfff) != 1) {
      return;
    }
    long now = System.nanoTime();
    if (source != currentSource) {
      currentSource = source;
      currentSourceStartNanos = now;
    }
    if (now - lastProgressNanos < options.progressIntervalMillis() * 1_000_000L) {
      return;
    }
    lastProgressNanos = now;
    double seconds = (now - currentSourceStartNanos) / 1e9;
    long read = source.diskBytesRead();
    double mbps = read / 1e6 / Math.max(seconds, 1e-9);
    double eta = mbps > 0 ? (source.fileSize() - read) / 1e6 / mbps : Double.NaN;
    LOG.info(
        String.format(
            Locale.ROOT,
            "%s: %s %.0f / %.0f MB (%.0f%%), %d lines, %.1f MB/s, ETA %.0f s",
            format,
            source.file().getFileName(),
            read / 1e6,
            source.fileSize() / 1e6,
            100.0 * read / Math.max(1, source.fileSize()),
            source.lineNumber(),
            mbps,
            eta));
    options
        .progress()
        .onProgress(source.file().toString(), read, source.fileSize(), source.lineNumber());
  }

  /** The provenance entries of this import, starting with {@code import.format}. */
  ProvenanceBuilder provenance() {
    return new ProvenanceBuilder(format);
  }

  /**
   * Finishes the import: the report, and the dataset named {@link ImportOptions#name()} or else
   * {@code defaultName} (asked only then), with the provenance entries and the report's counts.
   */
  ImportResult result(
      Supplier<String> defaultName,
      ItemCatalog catalog,
      List<UserHistory> users,
      ProvenanceBuilder provenance) {
    ImportReport report = report();
    String name = options.name() != null ? options.name() : defaultName.get();
    return new ImportResult(Dataset.of(name, catalog, users, provenance.build(report)), report);
  }

  ImportReport report() {
    ImportReport report =
        new ImportReport(
            format,
            sources,
            bytes,
            lines,
            Duration.ofNanos(System.nanoTime() - startNanos),
            counts);
    LOG.info(report.summary());
    return report;
  }
}
