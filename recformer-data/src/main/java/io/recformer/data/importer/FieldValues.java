package io.recformer.data.importer;

import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import java.nio.file.Path;

/**
 * The checks of single field values that several importers share (ids, integer indices, required
 * text), with one wording of their error messages, and the shortening of values quoted in them.
 */
final class FieldValues {

  private FieldValues() {}

  /** A value quoted in a message, cut to 80 characters: a bad line may be megabytes long. */
  static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }

  /** The stripped id, or fails ({@code missing-field}) when it is blank. */
  static String requireId(LineSource lines, String text, String field, String kind)
      throws DataFormatException {
    String id = text.strip();
    if (id.isEmpty()) {
      throw lines.error(field, "missing-field", kind + " id is blank");
    }
    return id;
  }

  /** Fails ({@code missing-field}) when a required value is absent or blank. */
  static void requirePresent(LineSource lines, String field, String value)
      throws DataFormatException {
    if (value == null || value.isBlank()) {
      throw lines.error(field, "missing-field", "required field is missing or blank");
    }
  }

  /** An integer index of a user or item ({@code kind}), or fails ({@code bad-value}). */
  static int parseIndex(Path file, long line, String field, String kind, String text)
      throws DataFormatException {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new DataFormatException(
          file,
          line,
          field,
          "bad-value",
          "expected an integer " + kind + " index, got '" + abbreviate(text) + "'");
    }
  }

  /** The empty-file failure of a headerless line file ({@code detail} says which file). */
  static DataFormatException emptyFile(Path file, String detail) {
    return new DataFormatException(file, 0, null, "empty-file", detail);
  }
}
