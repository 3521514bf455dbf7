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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The LC-Rec / LETTER-style JSON form ({@code data/amazon-scientific-lcrec}, {@code
 * data/amazon-office-2014}): {@code <name>.item.json} maps item id to an object with {@code title},
 * {@code description}, {@code brand}, {@code categories}; {@code <name>.inter.json} maps user id to
 * the chronologically ordered item ids. Plain {@code item.json}/{@code inter.json} are accepted
 * too.
 *
 * <p>Attribute mapping: {@code title -> title}, {@code brand -> brand}, {@code categories ->
 * category} (the string kept as given), {@code description -> description} (after the paper's
 * three). Items without a title are dropped with their interactions (counted). An interaction
 * naming an item absent from item.json is an error (strict) or skipped (lenient). No timestamps.
 */
public final class JsonSequenceImporter implements Importer {

  @Override
  public String format() {
    return "json-sequences";
  }

  @Override
  public boolean accepts(Path directory) throws IOException {
    return find(directory, "item.json") != null && find(directory, "inter.json") != null;
  }

  @Override
  public ImportResult importFrom(Path directory, ImportOptions options) throws IOException {
    Path itemFile = find(directory, "item.json");
    Path interFile = find(directory, "inter.json");
    if (itemFile == null || interFile == null) {
      throw new IllegalArgumentException(
          "directory "
              + directory
              + " holds no JSON sequence files: expected <name>.item.json and <name>.inter.json");
    }
    ImportRun run = new ImportRun(format(), options);
    ItemBuilder builder = new ItemBuilder(options, false, run);
    List<Item> items = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Set<String> titleless = new HashSet<>();
    JsonDocument.forEachEntry(
        itemFile,
        run,
        (id, value, line) -> {
          if (!value.isObject()) {
            throw new DataFormatException(
                itemFile,
                line,
                null,
                "bad-value",
                "item '"
                    + id
                    + "': expected an object with title/description/brand/categories, found "
                    + value.getNodeType());
          }
          if (!seen.add(id)) {
            throw new DataFormatException(
                itemFile, line, null, "duplicate-item", "item id '" + id + "' appears twice");
          }
          Item item =
              builder.build(
                  id,
                  JsonDocument.text(itemFile, line, id, value, "title"),
                  JsonDocument.text(itemFile, line, id, value, "brand"),
                  JsonDocument.text(itemFile, line, id, value, "categories"),
                  JsonDocument.text(itemFile, line, id, value, "description"));
          if (item == null) {
            titleless.add(id);
          } else {
            items.add(item);
          }
        });
    ItemCatalog catalog = ItemCatalog.of(items);
    List<UserHistory> users = new ArrayList<>();
    Set<String> userIds = new HashSet<>();
    Map<String, String> interned = new HashMap<>();
    JsonDocument.forEachEntry(
        interFile,
        run,
        (user, value, line) -> {
          List<String> ids =
              JsonDocument.ids(interFile, line, user, value, "items of user '" + user + "'");
          if (!userIds.add(user)) {
            throw new DataFormatException(
                interFile, line, null, "duplicate-user", "user '" + user + "' appears twice");
          }
          List<String> kept = new ArrayList<>(ids.size());
          for (String id : ids) {
            if (catalog.contains(id)) {
              kept.add(interned.computeIfAbsent(id, k -> k));
            } else if (titleless.contains(id)) {
              run.count("dropped.interaction-item-without-text");
            } else {
              throw new DataFormatException(
                  interFile,
                  line,
                  "items of user '" + user + "'",
                  "unknown-item",
                  "item id '" + id + "' is not in " + itemFile.getFileName());
            }
          }
          if (kept.isEmpty()) {
            run.count("dropped.user-without-known-items");
          } else {
            users.add(UserHistory.of(user, kept));
          }
        });
    ImportReport report = run.report();
    Map<String, String> provenance = new LinkedHashMap<>();
    provenance.put("import.format", format());
    provenance.put("import.items", itemFile.getFileName().toString());
    provenance.put("import.interactions", interFile.getFileName().toString());
    provenance.put("import.counts", report.counts().toString());
    String name =
        options.name() != null ? options.name() : prefix(itemFile, "item.json", directory);
    return new ImportResult(Dataset.of(name, catalog, users, provenance), report);
  }

  static String prefix(Path file, String suffix, Path directory) {
    String name = file.getFileName().toString();
    String base =
        name.length() > suffix.length() ? name.substring(0, name.length() - suffix.length()) : "";
    base = base.endsWith(".") ? base.substring(0, base.length() - 1) : base;
    return base.isBlank() ? directory.toAbsolutePath().getFileName().toString() : base;
  }

  private static Path find(Path directory, String suffix) throws IOException {
    if (!Files.isDirectory(directory)) {
      return null;
    }
    List<Path> found;
    try (Stream<Path> files = Files.list(directory)) {
      found =
          files
              .filter(Files::isRegularFile)
              .filter(
                  p -> {
                    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return name.equals(suffix) || name.endsWith("." + suffix);
                  })
              .sorted()
              .toList();
    }
    if (found.size() > 1) {
      throw new IllegalArgumentException(
          "directory " + directory + " holds several *" + suffix + " files: " + found);
    }
    return found.isEmpty() ? null : found.get(0);
  }
}
