package io.recformer.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading requests and writing responses on the JDK's {@link HttpExchange}, within the limits. */
final class HttpIo {

  private static final Logger LOG = LoggerFactory.getLogger(HttpIo.class);

  private HttpIo() {}

  /**
   * The body of a POST: JSON only, at most {@code max} bytes (413 above, before reading it all).
   */
  static byte[] readBody(HttpExchange exchange, int max) throws IOException {
    String type = exchange.getRequestHeaders().getFirst("Content-Type");
    if (type != null && !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw new ApiException(
          415, "Content-Type", "Content-Type must be application/json, got '" + type + "'");
    }
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("Content-Length", "Content-Length is not a number");
      }
      if (declared > max) {
        throw ApiException.tooLarge(
            "body", "the request body has " + declared + " bytes; at most " + max + " accepted");
      }
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(max + 1);
      if (body.length > max) {
        throw ApiException.tooLarge(
            "body", "the request body is larger than " + max + " bytes (the limit)");
      }
      return body;
    }
  }

  static void send(HttpExchange exchange, Reply reply) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", reply.contentType());
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    // The page loads nothing from elsewhere: no CDN, no external fonts.
    exchange
        .getResponseHeaders()
        .set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
    byte[] body = reply.body();
    exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  static void sendQuietly(HttpExchange exchange, Reply reply) {
    try {
      send(exchange, reply);
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not send the error response (client gone?)", e);
    }
  }

  /** Percent-decoded path segments; '+' stays '+' in a path. */
  static List<String> pathSegments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String segment : Route.split(rawPath == null ? "/" : rawPath)) {
      try {
        out.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(null, "malformed percent-encoding in the path");
      }
    }
    return out;
  }

  static Map<String, String> query(String rawQuery) {
    Map<String, String> out = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.putIfAbsent(
            URLDecoder.decode(key, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(key, "malformed percent-encoding in the query");
      }
    }
    return out;
  }
}
