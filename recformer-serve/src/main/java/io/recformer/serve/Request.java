package io.recformer.serve;

import java.util.Map;

/** A matched request: its path and query parameters and its body (read within the limit). */
final class Request {

  private final Map<String, String> params;
  private final Map<String, String> query;
  private final byte[] body;

  Request(Map<String, String> params, Map<String, String> query, byte[] body) {
    this.params = Map.copyOf(params);
    this.query = Map.copyOf(query);
    this.body = body;
  }

  Map<String, String> params() {
    return params;
  }

  Map<String, String> query() {
    return query;
  }

  /** The body's bytes (not copied: handlers only read them). */
  byte[] body() {
    return body;
  }
}
