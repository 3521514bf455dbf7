package io.recformer.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.recformer.infer.recommend.Recommender;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP service over a {@link Recommender}: JSON endpoints under {@code /api} and a web page at
 * {@code /}, on the JDK's {@link HttpServer} (docs/serve.md).
 *
 * <p>The server owns the recommender: {@link #stop()} stops taking requests (new ones get 503),
 * waits up to {@link ServeOptions#drainTimeout()} for the requests in flight, closes the listening
 * socket and the connections, then closes the recommender (its catalog directory's lock is
 * released). The encoder stays open: its opener closes it after the server.
 */
public final class RecformerServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RecformerServer.class);
  private static final String UNMATCHED = "unmatched";

  private final HttpServer http;
  private final ExecutorService pool;
  private final Recommender recommender;
  private final ServeOptions options;
  private final ObjectMapper json = new ObjectMapper();
  private final ServeApi api;
  private final Metrics metrics = new Metrics();
  private final List<Route> routes = new ArrayList<>();
  private final long startedMillis = System.currentTimeMillis();
  private final Object drain = new Object();
  private int inFlight; // guarded by drain
  private boolean draining; // guarded by drain
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Consumer<String> beforeHandling = endpoint -> {};

  private RecformerServer(
      HttpServer http,
      ExecutorService pool,
      Recommender recommender,
      UserDirectory users,
      ServeOptions options) {
    this.http = http;
    this.pool = pool;
    this.recommender = recommender;
    this.options = options;
    this.api = new ServeApi(json, recommender, users, options);
    StaticPage page = StaticPage.load();
    get("/", request -> page.file("index.html"));
    get("/app.js", request -> page.file("app.js"));
    get("/app.css", request -> page.file("app.css"));
    get("/api/health", request -> health());
    get("/api/metrics", request -> json(200, metricsDocument()));
    get("/api/users", request -> json(200, api.searchUsers(request.query())));
    get("/api/users/{id}", request -> json(200, api.user(request.params().get("id"))));
    get("/api/items/{id}", request -> json(200, api.item(request.params().get("id"))));
    post("/api/items", request -> json(201, api.addItems(request.body())));
    post("/api/recommend", request -> json(200, api.recommend(request.body())));
  }

  /**
   * Binds {@code options.host():options.port()} and starts serving {@code recommender}, which the
   * server now owns (see {@link #stop()}).
   *
   * @throws IOException if the address cannot be bound (the recommender is then not closed)
   */
  public static RecformerServer start(
      Recommender recommender, UserDirectory users, ServeOptions options) throws IOException {
    Objects.requireNonNull(recommender, "recommender");
    Objects.requireNonNull(users, "users");
    Objects.requireNonNull(options, "options");
    HttpServer http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 0);
    AtomicInteger counter = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            options.threads(),
            runnable -> {
              Thread t = new Thread(runnable, "recformer-http-" + counter.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    RecformerServer server = new RecformerServer(http, pool, recommender, users, options);
    http.setExecutor(pool);
    http.createContext("/", server::handle);
    http.start();
    LOG.info(
        "serving {} items to {} users at {} ({} request threads)",
        recommender.size(),
        users.size(),
        server.uri(),
        options.threads());
    return server;
  }

  /** The bound port (the chosen one when {@link ServeOptions#port()} was 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  /** The page's address, e.g. {@code http://127.0.0.1:8080/}. */
  public URI uri() {
    String host = http.getAddress().getHostString();
    return URI.create(
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
  }

  /** Requests being answered now. */
  public int inFlight() {
    synchronized (drain) {
      return inFlight;
    }
  }

  /** For tests: runs after a request is counted in flight, before it is answered. */
  void beforeHandling(Consumer<String> hook) {
    this.beforeHandling = Objects.requireNonNull(hook);
  }

  private void get(String pattern, Route.Handler handler) {
    routes.add(new Route("GET", pattern, handler));
  }

  private void post(String pattern, Route.Handler handler) {
    routes.add(new Route("POST", pattern, handler));
  }

  private Reply health() throws JsonProcessingException {
    ObjectNode document = api.health(System.currentTimeMillis() - startedMillis, inFlight());
    boolean unhealthy = document.get("status").asText().equals("unhealthy");
    return json(unhealthy ? 503 : 200, document);
  }

  private ObjectNode metricsDocument() {
    ObjectNode root = json.createObjectNode();
    root.put("uptimeSeconds", (System.currentTimeMillis() - startedMillis) / 1000);
    root.put("inFlight", inFlight());
    root.put("latencyWindow", Metrics.WINDOW);
    ObjectNode endpoints = root.putObject("endpoints");
    metrics
        .snapshot()
        .forEach(
            (name, s) ->
                endpoints
                    .putObject(name)
                    .put("requests", s.requests())
                    .put("clientErrors", s.clientErrors())
                    .put("serverErrors", s.serverErrors())
                    .put("p50Millis", s.p50Millis())
                    .put("p99Millis", s.p99Millis()));
    return root;
  }

  private Reply json(int status, ObjectNode document) throws JsonProcessingException {
    return Reply.json(status, json.writeValueAsString(document));
  }

  private void handle(HttpExchange exchange) {
    long start = System.nanoTime();
    String endpoint = UNMATCHED;
    int status = 500;
    boolean counted = false;
    try {
      synchronized (drain) {
        if (!draining) {
          inFlight++;
          counted = true;
        }
      }
      if (!counted) {
        exchange.getResponseHeaders().set("Connection", "close");
        status = 503;
        HttpIo.send(exchange, error(503, null, "the server is shutting down"));
        return;
      }
      String method = exchange.getRequestMethod();
      List<String> segments = HttpIo.pathSegments(exchange.getRequestURI().getRawPath());
      Route route = null;
      Map<String, String> params = null;
      Set<String> allowed = new TreeSet<>();
      for (Route candidate : routes) {
        Map<String, String> match = candidate.match(segments);
        if (match != null) {
          allowed.add(candidate.method());
          if (candidate.method().equals(method)) {
            route = candidate;
            params = match;
            break;
          }
        }
      }
      if (route == null) {
        if (allowed.isEmpty()) {
          throw ApiException.notFound(
              null, "no endpoint at " + exchange.getRequestURI().getRawPath());
        }
        exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
        throw new ApiException(
            405,
            null,
            method
                + " is not allowed on "
                + exchange.getRequestURI().getRawPath()
                + "; use "
                + String.join(" or ", allowed));
      }
      endpoint = route.name();
      beforeHandling.accept(endpoint);
      byte[] body =
          route.method().equals("POST")
              ? HttpIo.readBody(exchange, options.maxBodyBytes())
              : new byte[0];
      Reply reply =
          route
              .handler()
              .handle(
                  new Request(params, HttpIo.query(exchange.getRequestURI().getRawQuery()), body));
      status = reply.status();
      HttpIo.send(exchange, reply);
    } catch (ApiException e) {
      status = e.status();
      if (status == 413) {
        exchange.getResponseHeaders().set("Connection", "close");
      }
      HttpIo.sendQuietly(exchange, error(status, e.field(), e.getMessage()));
    } catch (IllegalArgumentException e) {
      status = 400;
      HttpIo.sendQuietly(exchange, error(400, null, e.getMessage()));
    } catch (IOException | UncheckedIOException e) {
      status = 500;
      LOG.warn("{}: I/O failure: {}", endpoint, e.toString());
      HttpIo.sendQuietly(exchange, error(500, null, "internal error: " + e.getMessage()));
    } catch (RuntimeException e) {
      status = 500;
      LOG.error("{}: internal error", endpoint, e);
      HttpIo.sendQuietly(exchange, error(500, null, "internal error: " + e));
    } finally {
      exchange.close();
      metrics.record(endpoint, status, System.nanoTime() - start);
      if (counted) {
        synchronized (drain) {
          if (--inFlight == 0) {
            drain.notifyAll();
          }
        }
      }
    }
  }

  private Reply error(int status, String field, String message) {
    ObjectNode node = json.createObjectNode();
    node.put("status", status);
    node.put("error", message);
    if (field != null) {
      node.put("field", field);
    }
    try {
      return json(status, node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Graceful shutdown: new requests get 503, requests in flight get up to the drain timeout to
   * finish, then the socket and connections close and the recommender is closed. Idempotent; a
   * second caller waits for the first to finish.
   */
  public void stop() {
    if (!stopping.compareAndSet(false, true)) {
      awaitQuietly();
      return;
    }
    long start = System.nanoTime();
    long deadline = start + options.drainTimeout().toNanos();
    int left;
    synchronized (drain) {
      draining = true;
      while (inFlight > 0 && System.nanoTime() < deadline) {
        long waitMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        try {
          drain.wait(waitMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      left = inFlight;
    }
    if (left > 0) {
      LOG.warn(
          "{} requests still running after the drain timeout ({}); closing anyway",
          left,
          options.drainTimeout());
    }
    try {
      http.stop(0);
      pool.shutdown();
      if (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow();
    } finally {
      recommender.close();
      LOG.info(
          "stopped serving {} after {} ms of draining ({} requests cut off)",
          uri(),
          (System.nanoTime() - start) / 1_000_000,
          left);
      stopped.countDown();
    }
  }

  /** Waits until {@link #stop()} has finished (for a main thread that serves until a signal). */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  private void awaitQuietly() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }
}
