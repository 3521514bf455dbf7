package io.recformer.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Whose recommendations to compute: the users of a dataset directory, or a Parquet or JSON-lines
 * table with a user id column and a history column (an array of item ids, oldest first).
 *
 * @param format how {@code path} is read
 * @param path the dataset directory or the table's path
 * @param histories for a dataset directory: each user's full history (what to show next) or the
 *     leave-one-out test input (all but the last item, users with at least 3 items)
 * @param userColumn the table's user id column (tables only)
 * @param historyColumn the table's history column (tables only)
 */
public record UserSource(
    InputFormat format, String path, Histories histories, String userColumn, String historyColumn)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Which history of a dataset's user is scored. */
  public enum Histories {
    /** The whole history: recommendations for what comes next. */
    FULL,
    /** The leave-one-out test input: all but the last item, for users with 3 or more items. */
    TEST
  }

  public UserSource {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(histories, "histories");
    Objects.requireNonNull(userColumn, "userColumn");
    Objects.requireNonNull(historyColumn, "historyColumn");
  }

  /** The users of a dataset directory with the chosen histories. */
  public static UserSource dataset(Path directory, Histories histories) {
    return new UserSource(
        InputFormat.DATASET, directory.toString(), histories, "user_id", "history");
  }

  /** A table with {@code user_id} (string) and {@code history} (array of item ids) columns. */
  public static UserSource table(InputFormat format, String path) {
    if (format == InputFormat.DATASET) {
      throw new IllegalArgumentException("a table is PARQUET or JSON, not DATASET");
    }
    return new UserSource(format, path, Histories.FULL, "user_id", "history");
  }

  public UserSource withColumns(String user, String history) {
    return new UserSource(format, path, histories, user, history);
  }
}
