package io.recformer.serve;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One endpoint: a method and a path pattern whose segments are literals or {@code {name}}
 * parameters (one whole, non-empty segment each).
 */
record Route(String method, String pattern, Handler handler) {

  /** Answers a matched request. */
  @FunctionalInterface
  interface Handler {
    Reply handle(Request request) throws IOException;
  }

  /** The endpoint's name in metrics and logs, e.g. {@code GET /api/items/{id}}. */
  String name() {
    return method + " " + pattern;
  }

  /** The path parameters if {@code path} matches, else null. */
  Map<String, String> match(List<String> segments) {
    List<String> parts = split(pattern);
    if (parts.size() != segments.size()) {
      return null;
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i);
      String segment = segments.get(i);
      if (part.startsWith("{") && part.endsWith("}")) {
        if (segment.isEmpty()) {
          return null;
        }
        params.put(part.substring(1, part.length() - 1), segment);
      } else if (!part.equals(segment)) {
        return null;
      }
    }
    return params;
  }

  /** "/a/b/" -> [a, b, ""]; "/" -> [""] (segments are already percent-decoded). */
  static List<String> split(String path) {
    String trimmed = path.startsWith("/") ? path.substring(1) : path;
    return List.of(trimmed.split("/", -1));
  }
}
