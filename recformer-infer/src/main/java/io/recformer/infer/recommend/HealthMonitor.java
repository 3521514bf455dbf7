package io.recformer.infer.recommend;

import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a recommender's {@link Health} and runs the verification of its files on a background
 * thread after a fast open. Failures are logged at error level, reported to the listener, and make
 * the recommender unhealthy; so do damaged records found while serving.
 */
final class HealthMonitor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

  /** Reads every byte of the files and checks their checksums. */
  @FunctionalInterface
  interface Verification {
    void run() throws IOException;
  }

  private final String what;
  private final Consumer<Health> listener;
  private volatile Health health;
  private Thread thread;

  private HealthMonitor(String what, Consumer<Health> listener, Health initial) {
    this.what = what;
    this.listener = listener;
    this.health = initial;
  }

  /** Data that never left memory, or was verified before the open returned. */
  static HealthMonitor healthy(String what, String detail, Consumer<Health> listener) {
    return new HealthMonitor(what, listener, new Health(Health.Status.HEALTHY, detail));
  }

  /**
   * Starts verifying {@code what} in the background; {@link Health.Status#VERIFYING} until done.
   */
  static HealthMonitor verifying(
      String what, Verification verification, Consumer<Health> listener) {
    HealthMonitor monitor =
        new HealthMonitor(
            what,
            listener,
            new Health(Health.Status.VERIFYING, "verifying " + what + " in the background"));
    Thread thread =
        new Thread(
            () -> {
              long start = System.nanoTime();
              try {
                verification.run();
                monitor.set(
                    Health.Status.HEALTHY,
                    "verified " + what + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
              } catch (IOException | RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                  return; // closed while verifying: not a finding
                }
                monitor.failed(e);
              }
            },
            "recformer-verify");
    thread.setDaemon(true);
    monitor.thread = thread;
    thread.start();
    return monitor;
  }

  Health health() {
    return health;
  }

  /** Marks the data damaged (e.g. a record that failed its checksum while serving). */
  void failed(Exception e) {
    LOG.error("{} is damaged: {}", what, e.getMessage(), e);
    set(Health.Status.UNHEALTHY, e.getMessage());
  }

  private synchronized void set(Health.Status status, String detail) {
    if (health.status() == Health.Status.UNHEALTHY) {
      return; // damage found once stays reported
    }
    health = new Health(status, detail);
    if (status != Health.Status.UNHEALTHY) {
      LOG.info("{}: {}", what, detail);
    }
    if (listener != null) {
      try {
        listener.accept(health);
      } catch (RuntimeException e) {
        LOG.warn("health listener failed", e);
      }
    }
  }

  /** Stops a running verification and waits briefly for it. */
  @Override
  public void close() {
    Thread t = thread;
    if (t != null && t.isAlive()) {
      t.interrupt();
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
