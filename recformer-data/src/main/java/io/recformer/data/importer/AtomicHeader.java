package io.recformer.data.importer;

import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The header line of a RecBole atomic file: tab-separated {@code name:type} columns (types token,
 * token_seq, float, float_seq).
 */
final class AtomicHeader {

  private final List<String> names = new ArrayList<>();
  private final List<String> types = new ArrayList<>();
  private final String line;

  private AtomicHeader(String line) {
    this.line = line;
  }

  /**
   * Reads the first line of {@code lines} as a header; fails on an empty file or a column without a
   * type.
   */
  static AtomicHeader read(LineSource lines) throws IOException {
    if (!lines.next()) {
      throw new DataFormatException(
          lines.file(),
          0,
          null,
          "empty-file",
          "the file is empty; expected a RecBole header line such as"
              + " 'user_id:token<TAB>item_id:token'");
    }
    String text = lines.text();
    AtomicHeader header = new AtomicHeader(text);
    for (String column : text.split("\t", -1)) {
      int colon = column.lastIndexOf(':');
      if (colon <= 0 || colon == column.length() - 1) {
        throw lines.error(
            null,
            "wrong-header",
            "header column '"
                + FieldValues.abbreviate(column)
                + "' is not of the form name:type; expected a RecBole header, got '"
                + FieldValues.abbreviate(text)
                + "'");
      }
      header.names.add(column.substring(0, colon).strip());
      header.types.add(column.substring(colon + 1).strip().toLowerCase(Locale.ROOT));
    }
    return header;
  }

  /** Index of the column, or -1. */
  int indexOf(String name) {
    return names.indexOf(name);
  }

  /** Index of a required column; fails naming the header when it is absent. */
  int require(LineSource lines, String name, String expectedHeader) throws DataFormatException {
    int index = names.indexOf(name);
    if (index < 0) {
      throw new DataFormatException(
          lines.file(),
          1,
          name,
          "wrong-header",
          "header '"
              + FieldValues.abbreviate(line)
              + "' has no column '"
              + name
              + "'; expected "
              + expectedHeader);
    }
    return index;
  }

  int size() {
    return names.size();
  }

  /** The header line, shortened for messages. */
  String describe() {
    return FieldValues.abbreviate(line);
  }

  String name(int index) {
    return names.get(index);
  }

  String type(int index) {
    return types.get(index);
  }

  /** Splits a data line into exactly {@link #size()} fields or fails naming the line. */
  String[] split(LineSource lines, String text) throws DataFormatException {
    String[] fields = text.split("\t", -1);
    if (fields.length != names.size()) {
      throw lines.error(
          null,
          "malformed-tsv",
          "expected "
              + names.size()
              + " tab-separated fields ("
              + names
              + "), got "
              + fields.length);
    }
    return fields;
  }
}
