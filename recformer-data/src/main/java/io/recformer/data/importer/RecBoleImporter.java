package io.recformer.data.importer;

import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standard RecBole atomic files: {@code X.inter} with a user, an item and optionally a timestamp
 * and a rating column, and {@code X.item} with the item id and text columns (read by {@link
 * AtomicItemFile}: every {@code token} or {@code token_seq} column becomes an attribute). Column
 * names come from {@link RecBoleFields}, RecBole's defaults unless set. Ids are kept verbatim as
 * tokens. Sequences are sorted by timestamp when the column exists (equal timestamps keep file
 * order; fractional seconds are truncated), otherwise kept in file order. An interaction with an
 * item absent from X.item is an error (strict) or skipped (lenient); one rated below {@link
 * RecBoleFields#minRating()} is dropped and counted. An {@code X.user} file is not used (Recformer
 * reads item text only) but its rows are counted and it is named in the log.
 */
public final class RecBoleImporter implements Importer {

  private static final Logger LOG = LoggerFactory.getLogger(RecBoleImporter.class);

  @Override
  public String format() {
    return "recbole-atomic";
  }

  @Override
  public boolean accepts(Path directory) throws IOException {
    return prefix(SourceDirectory.list(directory)) != null;
  }

  @Override
  public ImportResult importFrom(Path directory, ImportOptions options) throws IOException {
    SourceDirectory files = SourceDirectory.list(directory);
    String prefix = prefix(files);
    if (prefix == null) {
      throw files.holdsNo(
          "RecBole files",
          "expected X.inter and X.item",
          ".inter",
          List.of(".item"),
          RecBoleImporter::notSplit);
    }
    ImportRun run = new ImportRun(format(), options);
    RecBoleFields fields = options.recBoleFields();
    AtomicItemFile items = AtomicItemFile.read(directory.resolve(prefix + ".item"), run);
    Path interFile = directory.resolve(prefix + ".inter");
    InteractionTable table = new InteractionTable();
    boolean withTimestamps;
    try (LineSource lines = run.open(interFile)) {
      AtomicHeader header = AtomicHeader.read(lines);
      String expected =
          fields.userField()
              + ":token<TAB>"
              + fields.itemField()
              + ":token[<TAB>"
              + fields.timeField()
              + ":float]";
      int user = header.require(lines, fields.userField(), expected);
      int item = header.require(lines, fields.itemField(), expected);
      int time =
          fields.requiresTime()
              ? header.require(lines, fields.timeField(), expected + " (time field set explicitly)")
              : header.indexOf(fields.timeField());
      int rating =
          fields.minRating() == null
              ? -1
              : header.require(
                  lines,
                  fields.ratingField(),
                  "a rating column '"
                      + fields.ratingField()
                      + ":float' for the minimum rating "
                      + fields.minRating());
      withTimestamps = time >= 0;
      Map<String, String> userIntern = new HashMap<>();
      run.readLines(
          lines,
          line -> {
            String[] row = header.split(line, line.text());
            String userId = FieldValues.requireId(line, row[user], fields.userField(), "user");
            int index = items.require(line, row[item], fields.itemField());
            if (items.item(index) == null) {
              run.count("dropped.interaction-item-without-text");
            } else if (rating >= 0
                && number(line, row[rating], fields.ratingField()) < fields.minRating()) {
              run.count("dropped.interaction-below-min-rating");
            } else {
              long timestamp =
                  withTimestamps
                      ? (long) number(line, row[time], fields.timeField())
                      : InteractionTable.NO_TIMESTAMP;
              table.add(userIntern.computeIfAbsent(userId, k -> k), index, timestamp);
            }
          });
    }
    countUserFile(directory.resolve(prefix + ".user"), run);
    List<UserHistory> users = table.histories(items.idsWithText(), withTimestamps);
    ProvenanceBuilder provenance = run.provenance().put("prefix", prefix);
    if (!fields.equals(RecBoleFields.defaults())) {
      provenance.put("fields", fields.toString());
    }
    return run.result(() -> prefix, ItemCatalog.of(items.catalog()), users, provenance);
  }

  private static double number(LineSource lines, String text, String field)
      throws DataFormatException {
    try {
      double value = Double.parseDouble(text.strip());
      if (Double.isFinite(value)) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below with the value
    }
    throw lines.error(
        field, "bad-value", "expected a number, got '" + FieldValues.abbreviate(text) + "'");
  }

  /** RecBole user features are not used; the file is named and its rows counted. */
  private static void countUserFile(Path file, ImportRun run) throws IOException {
    if (!Files.isRegularFile(file)) {
      return;
    }
    long rows = 0;
    try (LineSource lines = run.open(file)) {
      while (run.next(lines)) {
        if (lines.lineNumber() > 1 && !lines.isBlank()) {
          rows++;
        }
      }
      run.finished(lines);
    }
    run.add("ignored.user-file-rows", rows);
    LOG.info("{}: {} rows of user features ignored (Recformer uses item text)", file, rows);
  }

  /** The one prefix with X.inter and X.item; null if none, fails if several. */
  private static String prefix(SourceDirectory files) {
    return files.atMostOne(
        files.completePrefixes(".inter", List.of(".item"), RecBoleImporter::notSplit),
        "RecBole datasets");
  }

  /** X.train.inter and the like are split files, read by the other atomic importers. */
  private static boolean notSplit(String prefix) {
    return !prefix.endsWith(".train") && !prefix.endsWith(".valid") && !prefix.endsWith(".test");
  }
}
