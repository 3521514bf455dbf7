package io.recformer.serve;

/**
 * A request the service refuses: the HTTP status, the request field at fault (a JSON path such as
 * {@code items[2].id}, a query parameter, or null) and a message for the client.
 */
final class ApiException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String field;

  ApiException(int status, String field, String message) {
    super(message);
    this.status = status;
    this.field = field;
  }

  static ApiException badRequest(String field, String message) {
    return new ApiException(400, field, message);
  }

  static ApiException notFound(String field, String message) {
    return new ApiException(404, field, message);
  }

  static ApiException tooLarge(String field, String message) {
    return new ApiException(413, field, message);
  }

  int status() {
    return status;
  }

  String field() {
    return field;
  }
}
