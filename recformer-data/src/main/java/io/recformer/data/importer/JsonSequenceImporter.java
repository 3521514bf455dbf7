package io.recformer.data.importer;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    SourceDirectory files = SourceDirectory.list(directory);
    return find(files, "item.json") != null && find(files, "inter.json") != null;
  }

  @Override
  public ImportResult importFrom(Path directory, ImportOptions options) throws IOException {
    SourceDirectory files = SourceDirectory.list(directory);
    Path itemFile = find(files, "item.json");
    Path interFile = find(files, "inter.json");
    if (itemFile == null || interFile == null) {
      List<Path> found =
          itemFile != null ? List.of(itemFile) : interFile != null ? List.of(interFile) : List.of();
      throw files.holdsNo(
          "JSON sequence files",
          "expected <name>.item.json and <name>.inter.json",
          SourceDirectory.names(found),
          List.of(itemFile == null ? "*item.json" : "*inter.json"));
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
          JsonDocument.requireObject(
              itemFile, line, id, value, "title/description/brand/categories");
          if (!seen.add(id)) {
            throw new DataFormatException(
                itemFile, line, null, "duplicate-item", "item id '" + id + "' appears twice");
          }
          Item item = JsonDocument.item(builder, itemFile, line, id, value, "categories");
          if (item == null) {
            titleless.add(id);
          } else {
            items.add(item);
          }
        });
    ItemCatalog catalog = ItemCatalog.of(items);
    Histories users = new Histories(run);
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
          users.addKept(user, kept);
        });
    return run.result(
        () -> prefix(itemFile, "item.json", directory),
        catalog,
        users.list(),
        run.provenance().file("items", itemFile).file("interactions", interFile));
  }

  static String prefix(Path file, String suffix, Path directory) {
    String name = file.getFileName().toString();
    String base =
        name.length() > suffix.length() ? name.substring(0, name.length() - suffix.length()) : "";
    base = base.endsWith(".") ? base.substring(0, base.length() - 1) : base;
    return base.isBlank() ? directory.toAbsolutePath().getFileName().toString() : base;
  }

  private static Path find(SourceDirectory files, String suffix) {
    return files.single(
        name -> name.equals(suffix) || name.endsWith("." + suffix), "*" + suffix + " files: ", "");
  }
}
