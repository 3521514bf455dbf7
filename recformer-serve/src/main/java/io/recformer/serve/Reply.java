package io.recformer.serve;

import java.nio.charset.StandardCharsets;

/** A response: status, content type and body. */
final class Reply {

  static final String JSON = "application/json; charset=utf-8";

  private final int status;
  private final String contentType;
  private final byte[] body;

  Reply(int status, String contentType, byte[] body) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
  }

  static Reply json(int status, String text) {
    return new Reply(status, JSON, text.getBytes(StandardCharsets.UTF_8));
  }

  int status() {
    return status;
  }

  String contentType() {
    return contentType;
  }

  /** The body's bytes (not copied: a reply is written once, or served unchanged each time). */
  byte[] body() {
    return body;
  }
}
