package io.recformer.train.run;

import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An append-only CSV file with a fixed header; numbers are written with {@link Locale#ROOT}. Rows
 * are appended and flushed one by one so an interrupted run keeps what it logged; on resume {@link
 * #truncate} drops rows written after the checkpoint being resumed.
 */
public final class CsvLog {

  private final Path file;
  private final List<String> columns;

  /** Opens {@code file}, writing the header if the file does not exist. */
  public CsvLog(Path file, List<String> columns) {
    this.file = file;
    this.columns = List.copyOf(columns);
    try {
      if (!Files.exists(file)) {
        AtomicFiles.writeString(file, String.join(",", columns) + "\n");
      } else {
        String header = Files.readAllLines(file, StandardCharsets.UTF_8).get(0);
        if (!header.equals(String.join(",", columns))) {
          throw new IllegalStateException(
              "CSV "
                  + file
                  + " has header '"
                  + header
                  + "', expected '"
                  + String.join(",", columns)
                  + "'");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path file() {
    return file;
  }

  /** Appends one row; values are formatted with Locale.ROOT (doubles with 8 significant digits). */
  public void append(Object... values) {
    if (values.length != columns.size()) {
      throw new IllegalArgumentException(
          values.length + " values for " + columns.size() + " columns " + columns);
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        b.append(',');
      }
      Object v = values[i];
      if (v instanceof Double || v instanceof Float) {
        b.append(String.format(Locale.ROOT, "%.8g", ((Number) v).doubleValue()));
      } else {
        b.append(v);
      }
    }
    b.append('\n');
    try {
      Files.writeString(file, b, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Data rows written so far (header excluded). */
  public int rows() {
    return readRows().size();
  }

  /** All data rows split into cells. */
  public List<String[]> readRows() {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      List<String[]> out = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        if (!line.isEmpty()) {
          out.add(line.split(",", -1));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Keeps the header and the first {@code rows} data rows (atomic rewrite). */
  public void truncate(int rows) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      int keep = Math.min(lines.size(), rows + 1);
      AtomicFiles.writeString(file, String.join("\n", lines.subList(0, keep)) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
