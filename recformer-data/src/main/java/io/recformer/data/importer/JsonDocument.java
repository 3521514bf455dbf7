package io.recformer.data.importer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.recformer.core.item.Item;
import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.SourceFiles;
import io.recformer.data.source.StrictJson;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a whole-document JSON file whose top level is an object of entries ({@code "key": value}),
 * handing each entry with its line number to a consumer. Used by the LC-Rec-style JSON form and the
 * original Recformer form. The file is streamed (strict UTF-8, gzip or plain), so memory holds one
 * entry at a time rather than the text of the whole file. A structural JSON error, a duplicate key
 * or a cut gzip stream ends the read in both modes (there is no next line to resume at); an entry
 * the consumer rejects is skipped in lenient mode.
 */
final class JsonDocument {

  @FunctionalInterface
  interface EntryConsumer {
    void accept(String key, JsonNode value, long line) throws DataFormatException;
  }

  private JsonDocument() {}

  static void forEachEntry(Path file, ImportRun run, EntryConsumer consumer) throws IOException {
    long entries = 0;
    try (Reader reader = SourceFiles.openReader(file);
        JsonParser parser = StrictJson.parser(reader)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new DataFormatException(
            file, 0, null, "empty-file", "the file is empty; expected a JSON object");
      }
      if (first != JsonToken.START_OBJECT) {
        throw new DataFormatException(
            file,
            parser.currentLocation().getLineNr(),
            null,
            "malformed-json",
            "expected a JSON object at the top level, got " + first);
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        long line = parser.currentLocation().getLineNr();
        parser.nextToken();
        JsonNode value = StrictJson.readTree(parser);
        entries++;
        try {
          consumer.accept(key, value, line);
        } catch (DataFormatException e) {
          run.problem(e);
        }
      }
      if (parser.nextToken() != null) {
        throw new DataFormatException(
            file,
            parser.currentLocation().getLineNr(),
            null,
            "malformed-json",
            "unexpected content after the top-level object");
      }
    } catch (JsonProcessingException e) {
      throw StrictJson.error(file, e);
    }
    run.readWhole(file, Files.size(file), entries);
  }

  /** Fails ({@code bad-value}) when an item entry is not an object of {@code fields}. */
  static void requireObject(Path file, long line, String id, JsonNode value, String fields)
      throws DataFormatException {
    if (!value.isObject()) {
      throw new DataFormatException(
          file,
          line,
          null,
          "bad-value",
          "item '"
              + id
              + "': expected an object with "
              + fields
              + ", found "
              + value.getNodeType());
    }
  }

  /**
   * The item of an object entry with {@code title}, {@code brand}, a category field named {@code
   * categoryField} and {@code description}; null when the builder drops it.
   */
  static Item item(
      ItemBuilder builder, Path file, long line, String id, JsonNode value, String categoryField)
      throws DataFormatException {
    return builder.build(
        id,
        text(file, line, id, value, "title"),
        text(file, line, id, value, "brand"),
        text(file, line, id, value, categoryField),
        text(file, line, id, value, "description"));
  }

  /** The text of a field that must be a string (absent or null gives null). */
  static String text(Path file, long line, String entry, JsonNode object, String field)
      throws DataFormatException {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isArray()) {
      StringBuilder joined = new StringBuilder();
      for (JsonNode part : value) {
        if (!part.isTextual()) {
          throw new DataFormatException(
              file,
              line,
              field,
              "bad-value",
              "entry '"
                  + entry
                  + "': expected a string or a list of strings, found "
                  + part.getNodeType());
        }
        if (!part.asText().isBlank()) {
          if (joined.length() > 0) {
            joined.append(' ');
          }
          joined.append(part.asText().strip());
        }
      }
      return joined.toString();
    }
    if (!value.isValueNode() || value.isBoolean()) {
      throw new DataFormatException(
          file,
          line,
          field,
          "bad-value",
          "entry '" + entry + "': expected a string, found " + value.getNodeType());
    }
    return value.asText();
  }

  /** An array of item ids (strings or integers). */
  static List<String> ids(Path file, long line, String entry, JsonNode value, String field)
      throws DataFormatException {
    if (value == null || !value.isArray()) {
      throw new DataFormatException(
          file,
          line,
          field,
          "bad-value",
          "entry '"
              + entry
              + "': expected a list of item ids, found "
              + (value == null ? "nothing" : value.getNodeType()));
    }
    List<String> ids = new ArrayList<>(value.size());
    for (JsonNode id : value) {
      if (!(id.isIntegralNumber() || id.isTextual()) || id.asText().isBlank()) {
        throw new DataFormatException(
            file,
            line,
            field,
            "bad-value",
            "entry '" + entry + "': expected item ids (integers or strings), found " + id);
      }
      ids.add(id.asText());
    }
    return ids;
  }
}
