package io.recformer.data.source;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An input file that cannot be read as its format requires. The message names the file, the line
 * (1-based; 0 when the problem concerns the whole file) and the field when one is involved, so a
 * user can open the file at the right place.
 */
public final class DataFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long line;
  private final String field;
  private final String reason;
  private final String detail;

  /**
   * @param file the file being read
   * @param line 1-based line number, or 0 when the problem concerns the whole file
   * @param field the field involved, or null
   * @param reason a short stable category such as {@code malformed-json}, used to count skipped
   *     lines
   * @param detail what is wrong: the rule, the actual value and the expected one
   */
  public DataFormatException(
      Path file, long line, String field, String reason, String detail, Throwable cause) {
    super(format(file, line, field, detail), cause);
    this.file = Objects.requireNonNull(file, "file");
    this.line = line;
    this.field = field;
    this.reason = Objects.requireNonNull(reason, "reason");
    this.detail = Objects.requireNonNull(detail, "detail");
  }

  public DataFormatException(Path file, long line, String field, String reason, String detail) {
    this(file, line, field, reason, detail, null);
  }

  private static String format(Path file, long line, String field, String detail) {
    StringBuilder message = new StringBuilder().append(file);
    if (line > 0) {
      message.append(", line ").append(line);
    }
    if (field != null) {
      message.append(", field '").append(field).append('\'');
    }
    return message.append(": ").append(detail).toString();
  }

  public Path file() {
    return file;
  }

  /** 1-based line number, or 0 when the problem concerns the whole file. */
  public long line() {
    return line;
  }

  /** The field involved, or null. */
  public String field() {
    return field;
  }

  /**
   * Short stable category of the problem (for example {@code malformed-json}, {@code
   * unknown-item}).
   */
  public String reason() {
    return reason;
  }

  public String detail() {
    return detail;
  }
}
