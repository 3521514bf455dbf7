package io.recformer.data.importer;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The UniSRec variant of RecBole atomic files ({@code data/amazon-scientific-unisrec}): {@code
 * X.train.inter}, {@code X.valid.inter}, {@code X.test.inter} with columns {@code user_id:token},
 * {@code item_id_list:token_seq}, {@code item_id:token} (user and item as integer indices), {@code
 * X.item2index} (ASIN, index), {@code X.user2index} (reviewer id, index) and {@code X.text} (ASIN,
 * text).
 *
 * <p>The split files hold leave-one-out rows: train has one row per prefix (targets at positions
 * 1..n-3), valid has the second-last item as target, test the last, and every history is cut to its
 * last 50 items. Each user's full sequence is rebuilt from the longest untruncated train row,
 * extended through rows whose (cut) history matches the sequence's last window, then checked
 * against the valid and test histories; any mismatch is an error naming the line.
 *
 * <p>The text is {@code "title. categories. brand. "}; titles may contain {@code ". "}, so the
 * attributes are recovered from the right: brand last, categories before it, the rest is the title.
 * The categories string maps to the {@code category} attribute. No timestamps.
 */
public final class UniSRecImporter implements Importer {

  /** UniSRec's files always use RecBole's default column names. */
  private static final RecBoleFields FIELDS = RecBoleFields.defaults();

  /** The files beside {@code X.train.inter} that make a UniSRec dataset. */
  private static final List<String> COMPANIONS =
      List.of(".valid.inter", ".test.inter", ".text", ".item2index", ".user2index");

  @Override
  public String format() {
    return "unisrec-atomic";
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
          "UniSRec files",
          "expected X.train.inter, X.valid.inter, X.test.inter, X.text, X.item2index, X.user2index",
          ".train.inter",
          COMPANIONS,
          p -> true);
    }
    ImportRun run = new ImportRun(format(), options);
    List<String> itemIds = readIndex(directory.resolve(prefix + ".item2index"), run, "item");
    List<String> userIds = readIndex(directory.resolve(prefix + ".user2index"), run, "user");
    Map<String, Item> texts =
        readText(directory.resolve(prefix + ".text"), run, new ItemBuilder(options, false, run));

    SplitRows.Ids userIndex = (lines, text, field) -> index(lines, text, field, userIds, "user");
    SplitRows.Ids items = (lines, text, field) -> index(lines, text, field, itemIds, "item");
    Map<Integer, List<SplitRows.Row>> train =
        SplitRows.read(directory.resolve(prefix + ".train.inter"), run, FIELDS, userIndex, items);
    Map<Integer, List<SplitRows.Row>> valid =
        SplitRows.read(directory.resolve(prefix + ".valid.inter"), run, FIELDS, userIndex, items);
    Map<Integer, List<SplitRows.Row>> test =
        SplitRows.read(directory.resolve(prefix + ".test.inter"), run, FIELDS, userIndex, items);

    List<Item> catalogItems = new ArrayList<>();
    String[] idByIndex = new String[itemIds.size()];
    for (int i = 0; i < itemIds.size(); i++) {
      String asin = itemIds.get(i);
      if (asin == null) {
        continue;
      }
      Item item = texts.get(asin);
      if (item == null) {
        run.count("dropped.item-without-text-row");
      } else {
        catalogItems.add(item);
        idByIndex[i] = asin;
      }
    }
    Histories users = new Histories(run);
    Path validFile = directory.resolve(prefix + ".valid.inter");
    Path testFile = directory.resolve(prefix + ".test.inter");
    for (int u = 0; u < userIds.size(); u++) {
      if (userIds.get(u) == null
          || !(train.containsKey(u) || valid.containsKey(u) || test.containsKey(u))) {
        continue;
      }
      try {
        int[] sequence =
            SplitRows.rebuild(
                u,
                train.getOrDefault(u, List.of()),
                valid.get(u),
                test.get(u),
                validFile,
                testFile,
                directory.resolve(prefix + ".train.inter"));
        users.add(userIds.get(u), sequence, index -> idByIndex[index]);
      } catch (DataFormatException e) {
        run.problem(e);
      }
    }
    return run.result(
        () -> prefix,
        ItemCatalog.of(catalogItems),
        users.list(),
        run.provenance().put("prefix", prefix));
  }

  private static int index(
      LineSource lines, String text, String field, List<String> ids, String kind)
      throws DataFormatException {
    int value = FieldValues.parseIndex(lines.file(), lines.lineNumber(), field, kind, text);
    if (value < 0 || value >= ids.size() || ids.get(value) == null) {
      throw lines.error(
          field,
          "unknown-" + kind,
          kind
              + " index "
              + value
              + " is not in the "
              + kind
              + "2index file ("
              + ids.size()
              + " entries)");
    }
    return value;
  }

  /** Reads {@code id<TAB>index} lines (no header) into a list indexed by index. */
  private static List<String> readIndex(Path file, ImportRun run, String kind) throws IOException {
    List<String> ids = new ArrayList<>();
    Map<String, Long> seen = new HashMap<>();
    try (LineSource lines = run.open(file)) {
      run.readLines(
          lines,
          line -> {
            String[] fields = line.text().split("\t", -1);
            if (fields.length != 2 || fields[0].isBlank()) {
              throw line.error(
                  null,
                  "malformed-tsv",
                  "expected '" + kind + " id<TAB>index', got " + fields.length + " fields");
            }
            int index;
            try {
              index = Integer.parseInt(fields[1].strip());
            } catch (NumberFormatException e) {
              throw line.error(
                  "index",
                  "bad-value",
                  "expected an integer index, got '" + FieldValues.abbreviate(fields[1]) + "'");
            }
            if (index < 0) {
              throw line.error("index", "bad-value", "index must be >= 0, got " + index);
            }
            String id = fields[0].strip();
            Long previous = seen.putIfAbsent(id, line.lineNumber());
            if (previous != null) {
              throw line.error(
                  "id", "duplicate-" + kind, kind + " id '" + id + "' already on line " + previous);
            }
            while (ids.size() <= index) {
              ids.add(null);
            }
            if (ids.get(index) != null) {
              throw line.error(
                  "index",
                  "duplicate-" + kind,
                  "index " + index + " is already taken by '" + ids.get(index) + "'");
            }
            ids.set(index, id);
          });
      if (lines.lineNumber() == 0) {
        throw FieldValues.emptyFile(file, "the " + kind + "2index file is empty");
      }
    }
    return ids;
  }

  private static Map<String, Item> readText(Path file, ImportRun run, ItemBuilder builder)
      throws IOException {
    Map<String, Item> items = new HashMap<>();
    try (LineSource lines = run.open(file)) {
      AtomicHeader header = AtomicHeader.read(lines);
      int idColumn = header.require(lines, "item_id", "item_id:token<TAB>text:token_seq");
      int textColumn = header.require(lines, "text", "item_id:token<TAB>text:token_seq");
      run.readLines(
          lines,
          line -> {
            String[] fields = header.split(line, line.text());
            String asin = FieldValues.requireId(line, fields[idColumn], "item_id", "item");
            String[] parts = splitText(fields[textColumn]);
            Item item = builder.build(asin, parts[0], parts[2], parts[1], null);
            if (item != null && items.putIfAbsent(asin, item) != null) {
              throw line.error(
                  "item_id", "duplicate-item", "item '" + asin + "' has a second text row");
            }
          });
    }
    return items;
  }

  /**
   * Splits {@code "title. categories. brand. "} from the right into {title, categories, brand}. A
   * text with fewer than two separators yields what it can: the rest is the title.
   */
  static String[] splitText(String text) {
    String rest = text;
    if (rest.endsWith(". ")) {
      rest = rest.substring(0, rest.length() - 2);
    } else if (rest.endsWith(".")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    String brand = "";
    String categories = "";
    int cut = rest.lastIndexOf(". ");
    if (cut >= 0) {
      brand = rest.substring(cut + 2);
      rest = rest.substring(0, cut);
      cut = rest.lastIndexOf(". ");
      if (cut >= 0) {
        categories = rest.substring(cut + 2);
        rest = rest.substring(0, cut);
      } else {
        categories = rest;
        rest = "";
      }
    }
    return new String[] {rest, categories, brand};
  }

  /** The first prefix, in name order, whose train file has all its companions; null if none. */
  private static String prefix(SourceDirectory files) {
    List<String> complete = files.completePrefixes(".train.inter", COMPANIONS, p -> true);
    return complete.isEmpty() ? null : complete.get(0);
  }
}
