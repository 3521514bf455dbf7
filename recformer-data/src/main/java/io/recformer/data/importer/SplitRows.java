package io.recformer.data.importer;

import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * Rows of leave-one-out split files ({@code user_id:token}, {@code item_id_list:token_seq} the
 * chronological history, {@code item_id:token} the target) and the rebuilding of each user's full
 * sequence from them: from train, valid and test rows (UniSRec, {@link #rebuild}) or from valid and
 * test rows alone ({@link #joinValidTest}).
 */
final class SplitRows {

  /** UniSRec cuts every history to its last 50 items. */
  static final int MAX_HISTORY = 50;

  private static final Pattern SPACES = Pattern.compile(" +");

  /** One row: history and target as item indices, and its 1-based line. */
  @SuppressWarnings("ArrayRecordComponent") // a parsed file row, consumed once and never compared
  record Row(int[] history, int target, long line) {}

  /** Turns a user or item token of a row into an index, or fails naming the line and field. */
  @FunctionalInterface
  interface Ids {
    int resolve(LineSource lines, String token, String field) throws DataFormatException;
  }

  private SplitRows() {}

  /**
   * Reads a split file's rows by user index, users in order of first appearance. The columns are
   * {@code fields.userField()}, {@code fields.itemField() + "_list"} and {@code
   * fields.itemField()}.
   */
  static Map<Integer, List<Row>> read(
      Path file, ImportRun run, RecBoleFields fields, Ids users, Ids items) throws IOException {
    String userField = fields.userField();
    String listField = fields.itemField() + "_list";
    String itemField = fields.itemField();
    String expected =
        userField + ":token<TAB>" + listField + ":token_seq<TAB>" + itemField + ":token";
    Map<Integer, List<Row>> rows = new LinkedHashMap<>();
    try (LineSource lines = run.open(file)) {
      AtomicHeader header = AtomicHeader.read(lines);
      int userColumn = header.require(lines, userField, expected);
      int listColumn = header.require(lines, listField, expected);
      int itemColumn = header.require(lines, itemField, expected);
      run.readLines(
          lines,
          line -> {
            String[] row = header.split(line, line.text());
            int user = users.resolve(line, row[userColumn], userField);
            String list = row[listColumn].strip();
            String[] parts = list.isEmpty() ? new String[0] : SPACES.split(list);
            int[] history = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
              history[i] = items.resolve(line, parts[i], listField);
            }
            int target = items.resolve(line, row[itemColumn], itemField);
            rows.computeIfAbsent(user, k -> new ArrayList<>())
                .add(new Row(history, target, line.lineNumber()));
          });
    }
    return rows;
  }

  /**
   * Rebuilds one user's full sequence from UniSRec rows (see {@link UniSRecImporter}) and checks it
   * against valid and test.
   */
  static int[] rebuild(
      int user,
      List<Row> trainRows,
      List<Row> validRows,
      List<Row> testRows,
      Path validFile,
      Path testFile,
      Path trainFile)
      throws DataFormatException {
    if (validRows == null || validRows.size() != 1) {
      throw new DataFormatException(
          validFile,
          0,
          "user_id",
          "inconsistent",
          "user "
              + user
              + " has "
              + (validRows == null ? 0 : validRows.size())
              + " validation rows, expected exactly 1");
    }
    if (testRows == null || testRows.size() != 1) {
      throw new DataFormatException(
          testFile,
          0,
          "user_id",
          "inconsistent",
          "user "
              + user
              + " has "
              + (testRows == null ? 0 : testRows.size())
              + " test rows, expected exactly 1");
    }
    Row validRow = validRows.get(0);
    Row testRow = testRows.get(0);
    List<Integer> sequence = new ArrayList<>();
    if (trainRows.isEmpty()) {
      for (int item : validRow.history()) {
        sequence.add(item);
      }
    } else {
      Row longest = null;
      for (Row row : trainRows) {
        if (row.history().length < MAX_HISTORY
            && (longest == null || row.history().length > longest.history().length)) {
          longest = row;
        }
      }
      if (longest == null) {
        throw new DataFormatException(
            trainFile,
            trainRows.get(0).line(),
            "item_id_list",
            "inconsistent",
            "user "
                + user
                + " has no train row with fewer than "
                + MAX_HISTORY
                + " history items; cannot find the start");
      }
      for (int item : longest.history()) {
        sequence.add(item);
      }
      sequence.add(longest.target());
      // Rows with a cut history continue the sequence: their history equals its last window.
      Map<String, Row> byWindow = new HashMap<>();
      for (Row row : trainRows) {
        if (row.history().length == MAX_HISTORY) {
          byWindow.put(Arrays.toString(row.history()), row);
        }
      }
      while (!byWindow.isEmpty()) {
        Row next = byWindow.remove(window(sequence, MAX_HISTORY));
        if (next == null) {
          break;
        }
        sequence.add(next.target());
      }
      int expectedRows = sequence.size() - 1;
      if (trainRows.size() != expectedRows) {
        throw new DataFormatException(
            trainFile,
            trainRows.get(0).line(),
            "item_id_list",
            "inconsistent",
            "user "
                + user
                + ": "
                + trainRows.size()
                + " train rows do not chain into one sequence (rebuilt "
                + sequence.size()
                + " items from them, which accounts for "
                + expectedRows
                + " rows)");
      }
      String expectedValid = window(sequence, MAX_HISTORY);
      if (!expectedValid.equals(Arrays.toString(validRow.history()))) {
        throw new DataFormatException(
            validFile,
            validRow.line(),
            "item_id_list",
            "inconsistent",
            "user "
                + user
                + ": validation history "
                + Arrays.toString(validRow.history())
                + " is not the end of the train sequence "
                + expectedValid);
      }
    }
    sequence.add(validRow.target());
    String expectedTest = window(sequence, MAX_HISTORY);
    if (!expectedTest.equals(Arrays.toString(testRow.history()))) {
      throw new DataFormatException(
          testFile,
          testRow.line(),
          "item_id_list",
          "inconsistent",
          "user "
              + user
              + ": test history "
              + Arrays.toString(testRow.history())
              + " is not the train sequence plus the validation target "
              + expectedTest);
    }
    sequence.add(testRow.target());
    return sequence.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * One user's sequence from the test row: its history then its target. With a validation row,
   * checks that the row is the test history without its last item, with that last item as target.
   * When both histories have the same length (both cut to the same window), the validation history
   * may start one item earlier; that item is kept at the front of the sequence.
   *
   * @param valid the user's validation row, or null when there is no validation file
   */
  static int[] joinValidTest(
      String user,
      Row valid,
      Row test,
      RecBoleFields fields,
      IntFunction<String> itemName,
      Path validFile,
      Path testFile)
      throws DataFormatException {
    int[] history = test.history();
    int n = history.length;
    int[] sequence = Arrays.copyOf(history, n + 1);
    sequence[n] = test.target();
    if (valid == null) {
      return sequence;
    }
    String where = " (" + testFile.getFileName() + ", line " + test.line() + ")";
    String prefix = "user '" + user + "': ";
    if (n == 0 || valid.target() != history[n - 1]) {
      throw new DataFormatException(
          validFile,
          valid.line(),
          fields.itemField(),
          "inconsistent",
          prefix
              + "validation target '"
              + itemName.apply(valid.target())
              + "' is not the last item of the test history"
              + where
              + (n == 0 ? ", which is empty" : ", '" + itemName.apply(history[n - 1]) + "'"));
    }
    int[] expected = Arrays.copyOf(history, n - 1);
    int[] got = valid.history();
    if (Arrays.equals(got, expected)) {
      return sequence;
    }
    if (got.length == n && Arrays.equals(got, 1, n, expected, 0, n - 1)) {
      int[] longer = new int[n + 2];
      longer[0] = got[0];
      System.arraycopy(sequence, 0, longer, 1, n + 1);
      return longer;
    }
    throw new DataFormatException(
        validFile,
        valid.line(),
        fields.itemField() + "_list",
        "inconsistent",
        prefix
            + "validation history is not the test history without its last item"
            + where
            + ": "
            + difference(got, expected, itemName));
  }

  private static String difference(int[] got, int[] expected, IntFunction<String> name) {
    List<String> parts = new ArrayList<>(2);
    if (got.length != expected.length) {
      parts.add("it has " + got.length + " items, expected " + expected.length);
    }
    for (int i = 0; i < Math.min(got.length, expected.length); i++) {
      if (got[i] != expected[i]) {
        parts.add(
            "item "
                + (i + 1)
                + " is '"
                + name.apply(got[i])
                + "', expected '"
                + name.apply(expected[i])
                + "'");
        break;
      }
    }
    return String.join("; ", parts);
  }

  private static String window(List<Integer> sequence, int size) {
    return sequence.subList(Math.max(0, sequence.size() - size), sequence.size()).toString();
  }
}
