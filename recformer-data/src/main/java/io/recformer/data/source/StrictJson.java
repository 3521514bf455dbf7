package io.recformer.data.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;

/**
 * The JSON parsing every import and dataset read uses: a key repeated in one object is an error
 * (Jackson would otherwise keep the last value and silently drop the first), and every Jackson
 * failure becomes a {@link DataFormatException} naming the file and the line.
 */
public final class StrictJson {

  private static final String DUPLICATE = "Duplicate field '";

  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** Reads a whole input: trailing content is an error. */
  private static final ObjectReader WHOLE =
      JsonMapper.builder(FACTORY)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build()
          .reader();

  /** Reads one value of a stream that goes on after it. */
  private static final ObjectReader VALUE =
      WHOLE.without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private StrictJson() {}

  /** A streaming parser over one piece of text (for example a line). */
  public static JsonParser parser(String text) throws IOException {
    return FACTORY.createParser(text);
  }

  /** A streaming parser over a document (see {@link SourceFiles#openReader}). */
  public static JsonParser parser(Reader reader) throws IOException {
    return FACTORY.createParser(reader);
  }

  /** The value at the parser's current token as a tree. */
  public static JsonNode readTree(JsonParser parser) throws IOException {
    return VALUE.readTree(parser);
  }

  /** The one JSON value the text holds; trailing content is an error. */
  public static JsonNode readTree(String text) throws IOException {
    return WHOLE.readTree(text);
  }

  /** The one JSON value the reader holds; trailing content is an error. */
  public static JsonNode readTree(Reader reader) throws IOException {
    return WHOLE.readTree(reader);
  }

  /** The error for a Jackson failure in a whole document, at the line Jackson reports. */
  public static DataFormatException error(Path file, JsonProcessingException e) {
    JsonLocation location = e.getLocation();
    return error(file, location == null ? 0 : location.getLineNr(), e);
  }

  /** The error for a Jackson failure while parsing the current line of {@code lines}. */
  public static DataFormatException error(LineSource lines, JsonProcessingException e) {
    return error(lines.file(), lines.lineNumber(), e);
  }

  private static DataFormatException error(Path file, long line, JsonProcessingException e) {
    String message = String.valueOf(e.getOriginalMessage());
    String where = column(e);
    if (message.startsWith(DUPLICATE) && message.endsWith("'")) {
      String key = message.substring(DUPLICATE.length(), message.length() - 1);
      return new DataFormatException(
          file,
          line,
          key,
          "duplicate-key",
          "duplicate key '"
              + key
              + "'"
              + where
              + ": a key may appear once in an object (a repeat would silently replace the first"
              + " value)",
          e);
    }
    if (e instanceof StreamConstraintsException) {
      return new DataFormatException(
          file,
          line,
          null,
          "json-limit",
          "exceeds a JSON parser limit" + where + ": " + message,
          e);
    }
    if (e instanceof InputCoercionException) {
      return new DataFormatException(
          file,
          line,
          currentName(e),
          "bad-value",
          "number out of range" + where + ": " + message,
          e);
    }
    return new DataFormatException(
        file, line, null, "malformed-json", "malformed JSON" + where + ": " + message, e);
  }

  private static String column(JsonProcessingException e) {
    JsonLocation location = e.getLocation();
    return location == null || location.getColumnNr() < 1
        ? ""
        : " at column " + location.getColumnNr();
  }

  private static String currentName(JsonProcessingException e) {
    if (e instanceof StreamReadException read && read.getProcessor() != null) {
      try {
        return read.getProcessor().currentName();
      } catch (IOException | RuntimeException ignored) {
        return null; // the name only adds detail to an error already being reported
      }
    }
    return null;
  }
}
