package io.recformer.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounded load test of a running {@code recformer serve} over loopback: {@code POST /api/recommend}
 * for the dataset's users (top 10, history excluded) at concurrency 1, 8 and 32; prints p50/p99
 * latency as the client sees it, throughput and errors, then the server's own metrics. Each level
 * is bounded by a request count and a time limit. A benchmark, not a test (the name does not end in
 * Test); docs/benchmarks.md ("HTTP service") gives the commands:
 *
 * <pre>
 * ./recformer serve data/amazon-scientific-unisrec --bundle runs/minilm --catalog runs/serve-catalog --port 8080 &amp;
 * mvn -B -o -q -pl recformer-serve -am test-compile
 * mvn -B -o -q -pl recformer-serve dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp recformer-serve/target/test-classes:recformer-serve/target/classes:$(cat /tmp/cp.txt) \
 *     io.recformer.serve.ServeLoadBenchmark --url http://127.0.0.1:8080/ [--requests 200] [--seconds 60]
 * </pre>
 */
public final class ServeLoadBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ServeLoadBenchmark() {}

  public static void main(String[] args) throws Exception {
    URI url = URI.create("http://127.0.0.1:8080/");
    int requests = 200;
    int seconds = 60;
    int warmup = 20;
    int[] levels = {1, 8, 32};
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--url" -> url = URI.create(args[i + 1]);
        case "--requests" -> requests = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        case "--concurrency" ->
            levels =
                Arrays.stream(args[i + 1].split(",", -1)).mapToInt(Integer::parseInt).toArray();
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(4))
            .build();
    JsonNode health = get(client, url.resolve("api/health"));
    List<String> users = new ArrayList<>();
    get(client, url.resolve("api/users?limit=100"))
        .get("users")
        .forEach(u -> users.add(u.get("id").asText()));
    System.out.printf(
        Locale.ROOT,
        "server %s: %d items, %d users (%s); %d processors here; users cycled: %d%n",
        url,
        health.get("catalog").get("items").asInt(),
        health.get("users").asInt(),
        health.get("status").asText(),
        Runtime.getRuntime().availableProcessors(),
        users.size());
    run(client, url, users, 1, warmup, seconds); // warm-up: JIT, page cache, ONNX Runtime arenas
    System.out.println("| concurrency | requests | errors | p50 ms | p99 ms | requests/s |");
    System.out.println("|---:|---:|---:|---:|---:|---:|");
    for (int level : levels) {
      Result r = run(client, url, users, level, requests, seconds);
      System.out.printf(
          Locale.ROOT,
          "| %d | %d | %d | %.1f | %.1f | %.2f |%n",
          level,
          r.latencies.length,
          r.errors,
          percentile(r.latencies, 0.50),
          percentile(r.latencies, 0.99),
          r.latencies.length / r.seconds);
    }
    System.out.println(
        "server metrics: " + get(client, url.resolve("api/metrics")).get("endpoints"));
    System.exit(0);
  }

  /** One level's sorted latencies (ns) of answered requests, the errors and the wall time. */
  private static final class Result {
    final long[] latencies;
    final int errors;
    final double seconds;

    Result(long[] latencies, int errors, double seconds) {
      this.latencies = latencies;
      this.errors = errors;
      this.seconds = seconds;
    }
  }

  private static Result run(
      HttpClient client, URI url, List<String> users, int concurrency, int requests, int seconds)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    long[] latencies = new long[requests];
    AtomicInteger done = new AtomicInteger();
    AtomicLong deadline = new AtomicLong(System.nanoTime() + Duration.ofSeconds(seconds).toNanos());
    ExecutorService workers = Executors.newFixedThreadPool(concurrency);
    long start = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      futures.add(
          workers.submit(
              () -> {
                for (int i; (i = next.getAndIncrement()) < requests; ) {
                  if (System.nanoTime() > deadline.get()) {
                    return null;
                  }
                  String body =
                      "{\"user\": "
                          + JSON.writeValueAsString(users.get(i % users.size()))
                          + ", \"k\": 10}";
                  long t0 = System.nanoTime();
                  HttpResponse<String> response =
                      client.send(
                          HttpRequest.newBuilder(url.resolve("api/recommend"))
                              .header("Content-Type", "application/json")
                              .timeout(Duration.ofSeconds(seconds + 30L))
                              .POST(HttpRequest.BodyPublishers.ofString(body))
                              .build(),
                          HttpResponse.BodyHandlers.ofString());
                  long elapsed = System.nanoTime() - t0;
                  if (response.statusCode() != 200) {
                    errors.incrementAndGet();
                  } else {
                    latencies[done.getAndIncrement()] = elapsed;
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    workers.shutdown();
    long[] measured = Arrays.copyOf(latencies, done.get());
    Arrays.sort(measured);
    return new Result(measured, errors.get(), elapsed);
  }

  private static double percentile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : Metrics.percentile(sorted, q);
  }

  private static JsonNode get(HttpClient client, URI uri) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          uri + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }
}
