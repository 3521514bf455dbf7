package io.recformer.data.importer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.recformer.data.source.LineSource;
import io.recformer.data.source.StrictJson;
import java.io.IOException;

/**
 * One JSON object per line (Amazon's review and metadata files), streamed field by field so that a
 * large metadata line costs only the fields kept. A handler reads the fields it knows with the
 * typed accessors; any other field is skipped. Errors name the line and the field.
 */
final class JsonObjectLine {

  /** Called once per field; reads the value with one accessor or leaves it to be skipped. */
  @FunctionalInterface
  interface FieldHandler {
    void field(String name, JsonObjectLine value) throws IOException;
  }

  private final LineSource lines;
  private final JsonParser parser;
  private String field;
  private JsonToken token;

  private JsonObjectLine(LineSource lines, JsonParser parser) {
    this.lines = lines;
    this.parser = parser;
  }

  /** Parses the current line of {@code lines} as exactly one JSON object. */
  static void read(LineSource lines, FieldHandler handler) throws IOException {
    String text = lines.text();
    try (JsonParser parser = StrictJson.parser(text)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw lines.error(
            null, "malformed-json", "expected a JSON object, got: " + FieldValues.abbreviate(text));
      }
      JsonObjectLine value = new JsonObjectLine(lines, parser);
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        value.field = parser.currentName();
        value.token = parser.nextToken();
        handler.field(value.field, value);
        // Skips a value the handler did not read; a no-op after a scalar or a list read whole.
        parser.skipChildren();
      }
      if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw lines.error(null, "malformed-json", "expected exactly one JSON object on the line");
      }
    } catch (JsonProcessingException e) {
      throw StrictJson.error(lines, e);
    }
  }

  /** A string value; anything else fails ({@code bad-value}). */
  String string() throws IOException {
    if (token != JsonToken.VALUE_STRING) {
      throw lines.error(field, "bad-value", "expected a string, got " + describe(token));
    }
    return parser.getText();
  }

  /** A string value or null. */
  String optionalString() throws IOException {
    return token == JsonToken.VALUE_NULL ? null : string();
  }

  /** An integer number of seconds since the epoch. */
  long epochSeconds() throws IOException {
    if (token != JsonToken.VALUE_NUMBER_INT) {
      throw lines.error(
          field,
          "bad-value",
          "expected an integer (seconds since the epoch), got "
              + FieldValues.abbreviate(parser.getText()));
    }
    return parser.getLongValue();
  }

  /** Checks that the value is a number, which is not kept. */
  void requireNumber() throws IOException {
    if (!token.isNumeric()) {
      throw lines.error(
          field, "bad-value", "expected a number, got " + FieldValues.abbreviate(parser.getText()));
    }
  }

  /**
   * A list of strings joined with single spaces (the paper joins the category path this way); a
   * plain string is taken as is, null gives null.
   */
  String joinedList() throws IOException {
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (token == JsonToken.VALUE_STRING) {
      return parser.getText();
    }
    if (token != JsonToken.START_ARRAY) {
      throw lines.error(field, "bad-value", "expected a list of strings, got " + describe(token));
    }
    StringBuilder joined = new StringBuilder();
    JsonToken part;
    while ((part = parser.nextToken()) != JsonToken.END_ARRAY) {
      if (part != JsonToken.VALUE_STRING) {
        throw lines.error(
            field, "bad-value", "expected a list of strings, found " + describe(part));
      }
      String text = parser.getText().strip();
      if (!text.isEmpty()) {
        if (joined.length() > 0) {
          joined.append(' ');
        }
        joined.append(text);
      }
    }
    return joined.toString();
  }

  private String describe(JsonToken value) throws IOException {
    if (value == null) {
      return "end of input";
    }
    return switch (value) {
      case START_ARRAY -> "a list";
      case START_OBJECT -> "an object";
      case VALUE_NULL -> "null";
      default -> "'" + FieldValues.abbreviate(parser.getText()) + "'";
    };
  }
}
