package io.recformer.data.importer;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Standard RecBole atomic files: {@code X.inter} with {@code user_id:token}, {@code item_id:token}
 * and optionally {@code timestamp:float} (other columns such as {@code rating:float} are ignored),
 * and {@code X.item} with {@code item_id:token} and text fields. Text fields map to attributes by
 * name: {@code title}, {@code brand}, {@code categories} or {@code category} (to {@code category}),
 * {@code description}; other columns are ignored. Items without a title are dropped (counted).
 * Sequences are sorted by timestamp when the column exists (equal timestamps keep file order;
 * fractional seconds are truncated), otherwise kept in file order. An interaction with an item
 * absent from X.item is an error (strict) or skipped (lenient).
 */
public final class RecBoleImporter implements Importer {

  private static final String INTER_HEADER =
      "user_id:token<TAB>item_id:token[<TAB>timestamp:float]";

  @Override
  public String format() {
    return "recbole-atomic";
  }

  @Override
  public boolean accepts(Path directory) throws IOException {
    return prefix(directory) != null;
  }

  @Override
  public ImportResult importFrom(Path directory, ImportOptions options) throws IOException {
    String prefix = prefix(directory);
    if (prefix == null) {
      throw new IllegalArgumentException(
          "directory " + directory + " holds no RecBole files: expected X.inter and X.item");
    }
    ImportRun run = new ImportRun(format(), options);
    Path itemFile = directory.resolve(prefix + ".item");
    Path interFile = directory.resolve(prefix + ".inter");
    List<Item> items = new ArrayList<>();
    Map<String, Integer> indexById = new HashMap<>();
    Map<String, Boolean> titleless = new HashMap<>();
    ItemBuilder builder = new ItemBuilder(options, false, run);
    try (LineSource lines = run.open(itemFile)) {
      AtomicHeader header = AtomicHeader.read(lines);
      int id = header.require(lines, "item_id", "item_id:token<TAB>title:token_seq...");
      int title = header.require(lines, "title", "item_id:token<TAB>title:token_seq...");
      int brand = header.indexOf("brand");
      int category =
          header.indexOf("categories") >= 0
              ? header.indexOf("categories")
              : header.indexOf("category");
      int description = header.indexOf("description");
      while (run.next(lines)) {
        run.tick(lines);
        if (lines.isBlank()) {
          continue;
        }
        try {
          String[] fields = header.split(lines, lines.text());
          String itemId = fields[id].strip();
          if (itemId.isEmpty()) {
            throw lines.error("item_id", "missing-field", "item id is blank");
          }
          if (indexById.containsKey(itemId) || titleless.containsKey(itemId)) {
            throw lines.error("item_id", "duplicate-item", "item '" + itemId + "' appears twice");
          }
          Item item =
              builder.build(
                  itemId,
                  fields[title],
                  field(fields, brand),
                  field(fields, category),
                  field(fields, description));
          if (item == null) {
            titleless.put(itemId, Boolean.TRUE);
          } else {
            indexById.put(itemId, items.size());
            items.add(item);
          }
        } catch (DataFormatException e) {
          run.problem(e);
        }
      }
      run.finished(lines);
    }
    InteractionTable table = new InteractionTable();
    boolean withTimestamps;
    try (LineSource lines = run.open(interFile)) {
      AtomicHeader header = AtomicHeader.read(lines);
      int user = header.require(lines, "user_id", INTER_HEADER);
      int item = header.require(lines, "item_id", INTER_HEADER);
      int time = header.indexOf("timestamp");
      withTimestamps = time >= 0;
      Map<String, String> userIntern = new HashMap<>();
      while (run.next(lines)) {
        run.tick(lines);
        if (lines.isBlank()) {
          continue;
        }
        try {
          String[] fields = header.split(lines, lines.text());
          String userId = fields[user].strip();
          String itemId = fields[item].strip();
          if (userId.isEmpty()) {
            throw lines.error("user_id", "missing-field", "user id is blank");
          }
          Integer index = indexById.get(itemId);
          if (index == null) {
            if (titleless.containsKey(itemId)) {
              run.count("dropped.interaction-item-without-text");
              continue;
            }
            throw lines.error(
                "item_id",
                "unknown-item",
                "item '"
                    + AmazonRawImporter.abbreviate(itemId)
                    + "' is not in "
                    + itemFile.getFileName());
          }
          long timestamp = InteractionTable.NO_TIMESTAMP;
          if (withTimestamps) {
            try {
              timestamp = (long) Double.parseDouble(fields[time].strip());
            } catch (NumberFormatException e) {
              throw lines.error(
                  "timestamp",
                  "bad-value",
                  "expected a number, got '" + AmazonRawImporter.abbreviate(fields[time]) + "'");
            }
          }
          table.add(userIntern.computeIfAbsent(userId, k -> k), index, timestamp);
        } catch (DataFormatException e) {
          run.problem(e);
        }
      }
      run.finished(lines);
    }
    String[] ids = items.stream().map(Item::id).toArray(String[]::new);
    List<UserHistory> users = table.histories(ids, withTimestamps);
    ImportReport report = run.report();
    Map<String, String> provenance = new LinkedHashMap<>();
    provenance.put("import.format", format());
    provenance.put("import.prefix", prefix);
    provenance.put("import.counts", report.counts().toString());
    String name = options.name() != null ? options.name() : prefix;
    return new ImportResult(Dataset.of(name, ItemCatalog.of(items), users, provenance), report);
  }

  private static String field(String[] fields, int index) {
    return index < 0 ? null : fields[index];
  }

  static String prefix(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return null;
    }
    List<String> prefixes;
    try (Stream<Path> files = Files.list(directory)) {
      prefixes =
          files
              .map(p -> p.getFileName().toString())
              .filter(
                  n ->
                      n.endsWith(".inter")
                          && !n.endsWith(".train.inter")
                          && !n.endsWith(".valid.inter")
                          && !n.endsWith(".test.inter"))
              .map(n -> n.substring(0, n.length() - ".inter".length()))
              .filter(p -> Files.isRegularFile(directory.resolve(p + ".item")))
              .sorted()
              .toList();
    }
    if (prefixes.size() > 1) {
      throw new IllegalArgumentException(
          "directory " + directory + " holds several RecBole datasets: " + prefixes);
    }
    return prefixes.isEmpty() ? null : prefixes.get(0);
  }
}
