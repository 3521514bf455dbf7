package io.recformer.serve;

import java.time.Duration;
import java.util.Objects;

/**
 * Where a {@link RecformerServer} listens and how much one request may ask for.
 *
 * @param host address to bind; loopback by default so that a service is exposed only on purpose
 * @param port TCP port; 0 picks a free one ({@link RecformerServer#port()} says which)
 * @param threads request threads (each runs one encoder call at a time)
 * @param maxBodyBytes largest request body; larger ones are refused with 413 before being read
 * @param maxK largest {@code k} of a recommendation request
 * @param maxHistory most items a request's history may hold (413 above)
 * @param maxAddItems most items one addition may hold (413 above)
 * @param locateDepth how deep {@code locate} looks for an item's rank; deeper items are reported
 *     with their score and "beyond" this depth
 * @param drainTimeout how long {@link RecformerServer#stop()} waits for requests in flight
 */
public record ServeOptions(
    String host,
    int port,
    int threads,
    int maxBodyBytes,
    int maxK,
    int maxHistory,
    int maxAddItems,
    int locateDepth,
    Duration drainTimeout) {

  /** Loopback, an ephemeral port, one request thread per core, 1 MiB bodies, k up to 1000. */
  public static ServeOptions defaults() {
    return new ServeOptions(
        "127.0.0.1",
        0,
        Math.max(2, Runtime.getRuntime().availableProcessors()),
        1 << 20,
        1000,
        200,
        100,
        10_000,
        Duration.ofSeconds(10));
  }

  public ServeOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port " + port + " must be in [0, 65535]");
    }
    requirePositive("threads", threads);
    requirePositive("maxBodyBytes", maxBodyBytes);
    requirePositive("maxK", maxK);
    requirePositive("maxHistory", maxHistory);
    requirePositive("maxAddItems", maxAddItems);
    requirePositive("locateDepth", locateDepth);
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("drainTimeout " + drainTimeout + " must be >= 0");
    }
  }

  private static void requirePositive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " = " + value + " must be >= 1");
    }
  }

  public ServeOptions withHost(String newHost) {
    return new ServeOptions(
        newHost,
        port,
        threads,
        maxBodyBytes,
        maxK,
        maxHistory,
        maxAddItems,
        locateDepth,
        drainTimeout);
  }

  public ServeOptions withPort(int newPort) {
    return new ServeOptions(
        host,
        newPort,
        threads,
        maxBodyBytes,
        maxK,
        maxHistory,
        maxAddItems,
        locateDepth,
        drainTimeout);
  }

  public ServeOptions withThreads(int newThreads) {
    return new ServeOptions(
        host,
        port,
        newThreads,
        maxBodyBytes,
        maxK,
        maxHistory,
        maxAddItems,
        locateDepth,
        drainTimeout);
  }

  /** The size limits of a request. */
  public ServeOptions withLimits(int bodyBytes, int k, int history, int addItems) {
    return new ServeOptions(
        host, port, threads, bodyBytes, k, history, addItems, locateDepth, drainTimeout);
  }

  public ServeOptions withLocateDepth(int depth) {
    return new ServeOptions(
        host, port, threads, maxBodyBytes, maxK, maxHistory, maxAddItems, depth, drainTimeout);
  }

  public ServeOptions withDrainTimeout(Duration timeout) {
    return new ServeOptions(
        host, port, threads, maxBodyBytes, maxK, maxHistory, maxAddItems, locateDepth, timeout);
  }
}
