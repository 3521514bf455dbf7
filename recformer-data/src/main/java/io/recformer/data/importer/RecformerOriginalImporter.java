package io.recformer.data.importer;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The processed form of the original Python Recformer ({@code finetune_data/process.py}): {@code
 * meta_data.json} (ASIN to {title, brand, category}), {@code smap.json} (ASIN to item index),
 * {@code umap.json} (reviewer id to user index), {@code train.json} (user index to the training
 * items), {@code val.json} and {@code test.json} (user index to a one-item list). Each user's
 * sequence is train + val + test (users with fewer than three items have only train).
 *
 * <p>Items are the ASINs of smap.json in index order; the metadata of other ASINs is ignored. Items
 * without a title are dropped with their interactions (counted). An index absent from smap/umap, or
 * an smap ASIN without metadata, is an error (strict) or skipped (lenient). No timestamps: the
 * original keeps only the order.
 */
public final class RecformerOriginalImporter implements Importer {

  static final List<String> FILES =
      List.of("meta_data.json", "smap.json", "umap.json", "train.json", "val.json", "test.json");

  @Override
  public String format() {
    return "recformer-original";
  }

  @Override
  public boolean accepts(Path directory) throws IOException {
    return SourceDirectory.list(directory).missing("", FILES).isEmpty();
  }

  @Override
  public ImportResult importFrom(Path directory, ImportOptions options) throws IOException {
    SourceDirectory files = SourceDirectory.list(directory);
    List<String> missing = files.missing("", FILES);
    if (!missing.isEmpty()) {
      throw files.holdsNo(
          "original Recformer data",
          missing.get(0) + " is missing (expected " + FILES + ")",
          List.of(),
          List.of());
    }
    ImportRun run = new ImportRun(format(), options);
    Path smapFile = directory.resolve("smap.json");
    Path umapFile = directory.resolve("umap.json");
    Path metaFile = directory.resolve("meta_data.json");
    Map<Integer, String> asinByIndex = readMap(smapFile, run, "item");
    Map<Integer, String> userByIndex = readMap(umapFile, run, "user");
    Map<String, Integer> wanted = new HashMap<>();
    asinByIndex.forEach((index, asin) -> wanted.put(asin, index));
    Map<Integer, Item> itemByIndex = new HashMap<>();
    Map<Integer, Boolean> titleless = new HashMap<>();
    ItemBuilder builder = new ItemBuilder(options, false, run);
    JsonDocument.forEachEntry(
        metaFile,
        run,
        (asin, value, line) -> {
          Integer index = wanted.get(asin);
          if (index == null) {
            run.count("dropped.item-without-interactions");
            return;
          }
          JsonDocument.requireObject(metaFile, line, asin, value, "title/brand/category");
          Item item = JsonDocument.item(builder, metaFile, line, asin, value, "category");
          if (item == null) {
            titleless.put(index, Boolean.TRUE);
          } else {
            itemByIndex.put(index, item);
          }
        });
    List<Item> items = new ArrayList<>();
    for (Map.Entry<Integer, String> entry : asinByIndex.entrySet()) {
      Item item = itemByIndex.get(entry.getKey());
      if (item != null) {
        items.add(item);
      } else if (!titleless.containsKey(entry.getKey())) {
        run.problem(
            new DataFormatException(
                metaFile,
                0,
                null,
                "missing-metadata",
                "item '"
                    + entry.getValue()
                    + "' (index "
                    + entry.getKey()
                    + " in smap.json) has no entry in meta_data.json"));
      }
    }
    Map<String, List<String>> sequences = new LinkedHashMap<>();
    // Users whose validation row was taken (with its line) and whose test row was: a test target
    // without a validation one, or the reverse, would shift the leave-one-out split silently.
    Map<String, Long> validated = new LinkedHashMap<>();
    Set<String> tested = new HashSet<>();
    for (String part : List.of("train.json", "val.json", "test.json")) {
      Path file = directory.resolve(part);
      // The line of each user's row in this file: a second row would append a second target.
      Map<String, Long> rowLine = new HashMap<>();
      JsonDocument.forEachEntry(
          file,
          run,
          (userKey, value, line) -> {
            int userIndex = FieldValues.parseIndex(file, line, "user", "user", userKey);
            String user = userByIndex.get(userIndex);
            if (user == null) {
              throw new DataFormatException(
                  file,
                  line,
                  "user",
                  "unknown-user",
                  "user index "
                      + userIndex
                      + " is not in umap.json ("
                      + userByIndex.size()
                      + " users)");
            }
            if (!part.equals("train.json") && !sequences.containsKey(user)) {
              throw new DataFormatException(
                  file,
                  line,
                  "user",
                  "inconsistent",
                  "user index " + userIndex + " has no training sequence in train.json");
            }
            Long previous = rowLine.putIfAbsent(user, line);
            if (previous != null) {
              throw new DataFormatException(
                  file,
                  line,
                  "user",
                  "duplicate-user",
                  "user index "
                      + userIndex
                      + " has a second row (its first is on line "
                      + previous
                      + "); expected one row per user");
            }
            if (part.equals("test.json") && !validated.containsKey(user)) {
              throw new DataFormatException(
                  file,
                  line,
                  "user",
                  "inconsistent",
                  "user index "
                      + userIndex
                      + " has a test target but no validation target in val.json; its sequence"
                      + " would be train + test, with the test item taken for validation");
            }
            List<String> ids =
                JsonDocument.ids(file, line, userKey, value, "items of user " + userIndex);
            if (!part.equals("train.json") && ids.size() != 1) {
              throw new DataFormatException(
                  file,
                  line,
                  "items of user " + userIndex,
                  "inconsistent",
                  "expected exactly one target item, got " + ids.size());
            }
            List<String> asins = new ArrayList<>(ids.size());
            for (String id : ids) {
              int itemIndex = FieldValues.parseIndex(file, line, "item", "item", id);
              String asin = asinByIndex.get(itemIndex);
              if (asin == null) {
                throw new DataFormatException(
                    file,
                    line,
                    "items of user " + userIndex,
                    "unknown-item",
                    "item index "
                        + itemIndex
                        + " is not in smap.json ("
                        + asinByIndex.size()
                        + " items)");
              }
              asins.add(asin);
            }
            sequences.computeIfAbsent(user, k -> new ArrayList<>()).addAll(asins);
            if (part.equals("val.json")) {
              validated.put(user, line);
            } else if (part.equals("test.json")) {
              tested.add(user);
            }
          });
    }
    for (Map.Entry<String, Long> entry : validated.entrySet()) {
      if (!tested.contains(entry.getKey())) {
        run.problem(
            new DataFormatException(
                directory.resolve("val.json"),
                entry.getValue(),
                "user",
                "inconsistent",
                "user '"
                    + entry.getKey()
                    + "' has a validation target but no test target in test.json; its validation"
                    + " item would be taken for the test"));
        // Lenient: the user keeps the training items only, like users too short to split.
        List<String> sequence = sequences.get(entry.getKey());
        sequence.remove(sequence.size() - 1);
      }
    }
    ItemCatalog catalog = ItemCatalog.of(items);
    Histories users = new Histories(run);
    sequences.forEach((user, asins) -> users.add(user, asins, catalog::contains));
    return run.result(
        () -> directory.toAbsolutePath().getFileName().toString(),
        catalog,
        users.list(),
        run.provenance());
  }

  private static Map<Integer, String> readMap(Path file, ImportRun run, String kind)
      throws IOException {
    Map<Integer, String> byIndex = new TreeMap<>();
    JsonDocument.forEachEntry(
        file,
        run,
        (id, value, line) -> {
          // canConvertToInt: a big integer would wrap around in asLong() into a valid index.
          if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 0) {
            throw new DataFormatException(
                file,
                line,
                id,
                "bad-value",
                "expected a non-negative integer " + kind + " index, got " + value);
          }
          String previous = byIndex.putIfAbsent(value.asInt(), id);
          if (previous != null) {
            throw new DataFormatException(
                file,
                line,
                id,
                "duplicate-" + kind,
                kind + " index " + value.asInt() + " is already used by '" + previous + "'");
          }
        });
    return byIndex;
  }
}
