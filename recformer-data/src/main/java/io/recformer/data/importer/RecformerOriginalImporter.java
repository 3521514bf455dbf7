package io.recformer.data.importer;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.file.Files;
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
  public boolean accepts(Path directory) {
    return FILES.stream().allMatch(f -> Files.isRegularFile(directory.resolve(f)));
  }

  @Override
  public ImportResult importFrom(Path directory, ImportOptions options) throws IOException {
    for (String file : FILES) {
      if (!Files.isRegularFile(directory.resolve(file))) {
        throw new IllegalArgumentException(
            "directory "
                + directory
                + " holds no original Recformer data: "
                + file
                + " is missing (expected "
                + FILES
                + ")");
      }
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
          if (!value.isObject()) {
            throw new DataFormatException(
                metaFile,
                line,
                null,
                "bad-value",
                "item '"
                    + asin
                    + "': expected an object with title/brand/category, found "
                    + value.getNodeType());
          }
          Item item =
              builder.build(
                  asin,
                  JsonDocument.text(metaFile, line, asin, value, "title"),
                  JsonDocument.text(metaFile, line, asin, value, "brand"),
                  JsonDocument.text(metaFile, line, asin, value, "category"),
                  JsonDocument.text(metaFile, line, asin, value, "description"));
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
            int userIndex = parseIndex(file, line, userKey, "user");
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
              int itemIndex = parseIndex(file, line, id, "item");
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
    List<UserHistory> users = new ArrayList<>();
    for (Map.Entry<String, List<String>> entry : sequences.entrySet()) {
      List<String> kept = new ArrayList<>(entry.getValue().size());
      for (String asin : entry.getValue()) {
        if (catalog.contains(asin)) {
          kept.add(asin);
        } else {
          run.count("dropped.interaction-item-without-text");
        }
      }
      if (kept.isEmpty()) {
        run.count("dropped.user-without-known-items");
      } else {
        users.add(UserHistory.of(entry.getKey(), kept));
      }
    }
    ImportReport report = run.report();
    Map<String, String> provenance = new LinkedHashMap<>();
    provenance.put("import.format", format());
    provenance.put("import.counts", report.counts().toString());
    String name =
        options.name() != null
            ? options.name()
            : directory.toAbsolutePath().getFileName().toString();
    return new ImportResult(Dataset.of(name, catalog, users, provenance), report);
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

  private static int parseIndex(Path file, long line, String text, String kind)
      throws DataFormatException {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new DataFormatException(
          file,
          line,
          kind,
          "bad-value",
          "expected an integer "
              + kind
              + " index, got '"
              + AmazonRawImporter.abbreviate(text)
              + "'");
    }
  }
}
