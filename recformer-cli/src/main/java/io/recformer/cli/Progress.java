package io.recformer.cli;

import java.util.Locale;
import org.slf4j.Logger;

/** Periodic progress lines for long loops: done/total, rate and ETA, at most one line per interval. */
final class Progress {

  private final Logger log;
  private final String what;
  private final String unit;
  private final long total;
  private final long intervalNanos;
  private final long start = System.nanoTime();
  private long lastReport = start;

  Progress(Logger log, String what, String unit, long total, long intervalMillis) {
    this.log = log;
    this.what = what;
    this.unit = unit;
    this.total = total;
    this.intervalNanos = intervalMillis * 1_000_000L;
  }

  /** Reports {@code done} if the interval has passed since the last line (or on completion). */
  void update(long done) {
    long now = System.nanoTime();
    if (now - lastReport < intervalNanos && done < total) {
      return;
    }
    lastReport = now;
    double seconds = Math.max((now - start) / 1e9, 1e-9);
    double rate = done / seconds;
    double eta = rate > 0 ? (total - done) / rate : Double.NaN;
    log.info(String.format(Locale.ROOT, "%s: %,d/%,d %s (%.0f%%), %.1f %s/s, ETA %.0f s",
        what, done, total, unit, 100.0 * done / Math.max(total, 1), rate, unit, eta));
  }

  double elapsedSeconds() {
    return (System.nanoTime() - start) / 1e9;
  }
}
