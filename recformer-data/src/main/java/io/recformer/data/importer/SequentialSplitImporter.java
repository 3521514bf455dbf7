package io.recformer.data.importer;

import io.recformer.core.item.ItemCatalog;
import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sequential split files without a train file, as LLMRank and other RecBole/UniSRec pipelines
 * publish them: {@code X.test.inter} and optionally {@code X.valid.inter} (columns {@code
 * user_id:token}, {@code item_id_list:token_seq} the space-separated chronological history, {@code
 * item_id:token} the target), and an item file with text columns: {@code X.item}, or the
 * directory's only {@code .item} file (LLMRank's {@code Games-6k.*.inter} use {@code Games.item}).
 * Ids are tokens kept verbatim; column names follow {@link RecBoleFields}.
 *
 * <p>Each user's sequence is the test history followed by the test target. A validation row must be
 * the test history without its last item, with that item as target ({@link
 * SplitRows#joinValidTest}), and each user must have exactly one row in each file; otherwise the
 * error names the file, the line and the user. Items are read as for {@code recbole-atomic} ({@link
 * AtomicItemFile}). The files carry no timestamps.
 */
public final class SequentialSplitImporter implements Importer {

  /** The files of one dataset; {@code valid} is null when there is no validation file. */
  private record SplitFiles(String prefix, Path test, Path valid, Path item) {}

  @Override
  public String format() {
    return "sequential-split-atomic";
  }

  @Override
  public boolean accepts(Path directory) throws IOException {
    return files(SourceDirectory.list(directory)) != null;
  }

  @Override
  public ImportResult importFrom(Path directory, ImportOptions options) throws IOException {
    SourceDirectory directoryFiles = SourceDirectory.list(directory);
    SplitFiles files = files(directoryFiles);
    if (files == null) {
      List<String> tests = testPrefixes(directoryFiles);
      throw directoryFiles.holdsNo(
          "sequential split files",
          "expected X.test.inter, optionally X.valid.inter, an .item file, and no X.train.inter",
          tests.isEmpty() ? List.of() : List.of(tests.get(0) + ".test.inter"),
          List.of("an .item file"));
    }
    RecBoleFields fields = options.recBoleFields();
    if (fields.minRating() != null || fields.requiresTime()) {
      throw new IllegalArgumentException(
          files.test().getFileName()
              + " is a sequential split file: it has no rating or time column, so a minimum"
              + " rating or a time field cannot apply");
    }
    ImportRun run = new ImportRun(format(), options);
    AtomicItemFile items = AtomicItemFile.read(files.item(), run);
    List<String> userIds = new ArrayList<>();
    Map<String, Integer> userIndex = new HashMap<>();
    SplitRows.Ids users =
        (lines, token, field) -> {
          String id = FieldValues.requireId(lines, token, field, "user");
          return userIndex.computeIfAbsent(
              id,
              k -> {
                userIds.add(k);
                return userIds.size() - 1;
              });
        };
    SplitRows.Ids itemIndex = items::require;
    Map<Integer, List<SplitRows.Row>> test =
        SplitRows.read(files.test(), run, fields, users, itemIndex);
    Map<Integer, List<SplitRows.Row>> valid =
        files.valid() == null ? null : SplitRows.read(files.valid(), run, fields, users, itemIndex);
    Histories histories = new Histories(run);
    for (int u = 0; u < userIds.size(); u++) {
      try {
        int[] sequence = sequence(files, fields, items, userIds.get(u), test.get(u), valid, u);
        if (sequence == null) {
          continue;
        }
        histories.add(userIds.get(u), sequence, i -> items.item(i) == null ? null : items.id(i));
      } catch (DataFormatException e) {
        run.problem(e);
      }
    }
    return run.result(
        files::prefix,
        ItemCatalog.of(items.catalog()),
        histories.list(),
        run.provenance().put("prefix", files.prefix()).file("itemFile", files.item()));
  }

  /**
   * One user's item indices, or null when lenient reading already skipped every row of the user.
   * Fails when the user lacks a row in one of the files or has several.
   */
  private static int[] sequence(
      SplitFiles files,
      RecBoleFields fields,
      AtomicItemFile items,
      String user,
      List<SplitRows.Row> testRows,
      Map<Integer, List<SplitRows.Row>> valid,
      int u)
      throws DataFormatException {
    List<SplitRows.Row> validRows = valid == null ? null : valid.get(u);
    if (testRows == null && validRows == null) {
      return null;
    }
    if (testRows == null) {
      throw missing(files.valid(), validRows.get(0), fields, user, files.test());
    }
    if (valid != null && validRows == null) {
      throw missing(files.test(), testRows.get(0), fields, user, files.valid());
    }
    single(files.test(), testRows, fields, user);
    if (validRows != null) {
      single(files.valid(), validRows, fields, user);
    }
    return SplitRows.joinValidTest(
        user,
        validRows == null ? null : validRows.get(0),
        testRows.get(0),
        fields,
        items::id,
        files.valid(),
        files.test());
  }

  private static DataFormatException missing(
      Path file, SplitRows.Row row, RecBoleFields fields, String user, Path other) {
    return new DataFormatException(
        file,
        row.line(),
        fields.userField(),
        "inconsistent",
        "user '" + user + "' has a row here but none in " + other.getFileName());
  }

  private static void single(Path file, List<SplitRows.Row> rows, RecBoleFields fields, String user)
      throws DataFormatException {
    if (rows.size() > 1) {
      throw new DataFormatException(
          file,
          rows.get(1).line(),
          fields.userField(),
          "inconsistent",
          "user '"
              + user
              + "' already has a row on line "
              + rows.get(0).line()
              + "; expected one row per user");
    }
  }

  /** The dataset's files, or null when the directory does not hold this form. */
  private static SplitFiles files(SourceDirectory directory) {
    String prefix = directory.atMostOne(testPrefixes(directory), "sequential split datasets");
    if (prefix == null) {
      return null;
    }
    List<String> itemFiles = directory.endingWith(".item");
    String item;
    if (itemFiles.contains(prefix + ".item")) {
      item = prefix + ".item";
    } else if (itemFiles.size() == 1) {
      item = itemFiles.get(0);
    } else if (itemFiles.isEmpty()) {
      return null;
    } else {
      throw new IllegalArgumentException(
          "directory "
              + directory.path()
              + " holds "
              + prefix
              + ".test.inter and several .item files "
              + itemFiles
              + ", none named "
              + prefix
              + ".item; keep only the one that belongs to it");
    }
    return new SplitFiles(
        prefix,
        directory.resolve(prefix + ".test.inter"),
        directory.hasFile(prefix + ".valid.inter")
            ? directory.resolve(prefix + ".valid.inter")
            : null,
        directory.resolve(item));
  }

  /** Prefixes of X.test.inter files without an X.train.inter (that would be UniSRec's form). */
  private static List<String> testPrefixes(SourceDirectory directory) {
    return directory.endingWith(".test.inter").stream()
        .map(n -> n.substring(0, n.length() - ".test.inter".length()))
        .filter(p -> !directory.hasFile(p + ".train.inter"))
        .toList();
  }
}
