package io.recformer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A headless Chromium driven over the DevTools protocol on a loopback websocket (the JDK's
 * WebSocket client; no driver download): one page, commands answered in order of their ids.
 */
final class DevTools implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

  private final Process browser;
  private final WebSocket socket;
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private String session;

  private DevTools(Process browser, WebSocket socket, Listener listener) {
    this.browser = browser;
    this.socket = socket;
    listener.owner = this;
  }

  /** Starts {@code chromium} headless on an ephemeral loopback port and connects to it. */
  static DevTools launch(String executable, Path profile) throws Exception {
    Process browser =
        new ProcessBuilder(
                List.of(
                    executable,
                    "--headless",
                    "--no-sandbox", // CI runs as root
                    "--disable-gpu",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--remote-debugging-address=127.0.0.1",
                    "--remote-debugging-port=0",
                    "--user-data-dir=" + profile,
                    "about:blank"))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    BufferedReader err =
        new BufferedReader(new InputStreamReader(browser.getErrorStream(), StandardCharsets.UTF_8));
    CompletableFuture<URI> address =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                for (String line; (line = err.readLine()) != null; ) {
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    // Keep draining stderr so that the browser never blocks on a full pipe.
                    Thread drain =
                        new Thread(
                            () -> {
                              try {
                                while (err.readLine() != null) {
                                  // discard
                                }
                              } catch (IOException ignored) {
                                // the browser ended
                              }
                            });
                    drain.setDaemon(true);
                    drain.start();
                    return URI.create(m.group(1));
                  }
                }
              } catch (IOException e) {
                // fall through
              }
              return null;
            });
    URI ws = address.get(60, TimeUnit.SECONDS);
    if (ws == null) {
      browser.destroyForcibly();
      throw new IOException("chromium did not open its DevTools port");
    }
    Listener listener = new Listener();
    WebSocket socket =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(ws, listener)
            .get(30, TimeUnit.SECONDS);
    DevTools tools = new DevTools(browser, socket, listener);
    JsonNode target =
        tools.call("Target.createTarget", JSON.createObjectNode().put("url", "about:blank"));
    JsonNode attached =
        tools.call(
            "Target.attachToTarget",
            JSON.createObjectNode()
                .put("targetId", target.get("targetId").asText())
                .put("flatten", true));
    tools.session = attached.get("sessionId").asText();
    return tools;
  }

  /** Sends a command (to the page once attached) and waits for its result. */
  JsonNode call(String method, ObjectNode params) throws Exception {
    int id = ids.incrementAndGet();
    ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
    message.set("params", params);
    if (session != null) {
      message.put("sessionId", session);
    }
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    socket.sendText(JSON.writeValueAsString(message), true).get(30, TimeUnit.SECONDS);
    JsonNode reply = answer.get(60, TimeUnit.SECONDS);
    if (reply.has("error")) {
      throw new IOException(method + " failed: " + reply.get("error"));
    }
    return reply.get("result");
  }

  /** Evaluates a JavaScript expression in the page (awaiting a promise) and returns its value. */
  JsonNode evaluate(String expression) throws Exception {
    JsonNode result =
        call(
            "Runtime.evaluate",
            JSON.createObjectNode()
                .put("expression", expression)
                .put("awaitPromise", true)
                .put("returnByValue", true));
    if (result.has("exceptionDetails")) {
      throw new IOException("page script failed: " + result.get("exceptionDetails"));
    }
    return result.get("result").get("value");
  }

  /** Polls {@code condition} (a JavaScript boolean expression) until true or the timeout. */
  void waitFor(String condition, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      JsonNode value = evaluate("Boolean(" + condition + ")");
      if (value != null && value.asBoolean()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "the page never reached: "
            + condition
            + "; page error: "
            + evaluate(
                "document.querySelector('#error') &&"
                    + " document.querySelector('#error').textContent"));
  }

  @Override
  public void close() {
    socket.abort();
    browser.destroy();
    try {
      if (!browser.waitFor(10, TimeUnit.SECONDS)) {
        browser.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      browser.destroyForcibly();
    }
  }

  private static final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();
    DevTools owner;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          JsonNode message = JSON.readTree(text);
          if (message.has("id") && owner != null) {
            CompletableFuture<JsonNode> answer = owner.pending.remove(message.get("id").asInt());
            if (answer != null) {
              answer.complete(message);
            }
          }
        } catch (IOException e) {
          // not JSON: ignore
        }
      }
      webSocket.request(1);
      return null;
    }
  }
}
