package io.recformer.train.run;

import java.util.Locale;
import org.slf4j.Logger;

/**
 * Periodic progress lines for long work: done/total, the latest loss (if any), throughput and
 * estimated time left, at most once per interval plus once at the end. Not thread-safe.
 */
public final class Progress {

  private final Logger log;
  private final String task;
  private final long total;
  private final String unit;
  private final long intervalNanos;
  private final long started = System.nanoTime();
  private long lastLog = started;
  private long done;

  /**
   * @param task what is running, e.g. "stage 1 epoch 3"
   * @param total units of work expected (items, samples)
   * @param unit name of one unit for the rate, e.g. "items"
   * @param intervalSeconds seconds between two lines (typical 10-30)
   */
  public Progress(Logger log, String task, long total, String unit, double intervalSeconds) {
    this.log = log;
    this.task = task;
    this.total = total;
    this.unit = unit;
    this.intervalNanos = (long) (intervalSeconds * 1e9);
  }

  /** Records {@code units} more done; logs if the interval has passed or the work is complete. */
  public void advance(long units, String detail) {
    done += units;
    long now = System.nanoTime();
    if (now - lastLog >= intervalNanos || done >= total) {
      lastLog = now;
      log.info(line(now, detail));
    }
  }

  /** Seconds since the start. */
  public double elapsedSeconds() {
    return (System.nanoTime() - started) / 1e9;
  }

  String line(long now, String detail) {
    double seconds = Math.max(1e-9, (now - started) / 1e9);
    double rate = done / seconds;
    long eta = rate > 0 ? Math.round((total - done) / rate) : -1;
    return String.format(
        Locale.ROOT,
        "%s: %d/%d %s%s, %.1f %s/s, ETA %s",
        task,
        done,
        total,
        unit,
        detail == null || detail.isEmpty() ? "" : ", " + detail,
        rate,
        unit,
        eta < 0
            ? "?"
            : String.format(Locale.ROOT, "%d:%02d:%02d", eta / 3600, eta / 60 % 60, eta % 60));
  }
}
