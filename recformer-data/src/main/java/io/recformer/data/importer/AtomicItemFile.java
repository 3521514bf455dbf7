package io.recformer.data.importer;

import io.recformer.core.item.Item;
import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RecBole {@code .item} file read into items. Every text column (type {@code token} or {@code
 * token_seq}) except the item id becomes an attribute, in header order; numeric columns ({@code
 * float}, {@code float_seq}) are not text and are left out. The attribute key is the column name
 * unless {@link RecBoleFields#attributeNames()} maps it; a mapped column wins over an unmapped one
 * that would get the same key. Items whose text is all blank are dropped and counted, and keep an
 * index so that interactions with them can be dropped and counted too.
 */
final class AtomicItemFile {

  private static final Logger LOG = LoggerFactory.getLogger(AtomicItemFile.class);

  /**
   * RecBole's Amazon files name the category column {@code categories}; the paper's key is {@code
   * category}, which {@link io.recformer.core.item.AttributeLayout#PAPER} selects.
   */
  private static final Map<String, String> ALIASES = Map.of("categories", ItemBuilder.CATEGORY);

  private record TextColumn(int index, String name, String key, boolean mapped) {}

  private final Path file;
  private final List<String> ids = new ArrayList<>();
  private final List<Item> items = new ArrayList<>();
  private final Map<String, Integer> indexById = new HashMap<>();
  private List<String> keys = List.of();

  private AtomicItemFile(Path file) {
    this.file = file;
  }

  /** Reads the file with the options and fields of {@code run}. */
  static AtomicItemFile read(Path file, ImportRun run) throws IOException {
    AtomicItemFile result = new AtomicItemFile(file);
    ImportOptions options = run.options();
    RecBoleFields fields = options.recBoleFields();
    ItemBuilder builder = new ItemBuilder(options, false, run);
    try (LineSource lines = run.open(file)) {
      AtomicHeader header = AtomicHeader.read(lines);
      String itemField = fields.itemField();
      int id = header.require(lines, itemField, itemField + ":token<TAB>title:token_seq...");
      List<TextColumn> columns = textColumns(header, lines, id, options);
      result.keys = columns.stream().map(TextColumn::key).toList();
      LOG.info(
          "{}: attributes {} from columns {}",
          file.getFileName(),
          result.keys,
          columns.stream().map(TextColumn::name).toList());
      List<String> values = new ArrayList<>(columns.size());
      run.readLines(
          lines,
          line -> {
            String[] row = header.split(line, line.text());
            String itemId = FieldValues.requireId(line, row[id], itemField, "item");
            if (result.indexById.containsKey(itemId)) {
              throw line.error(itemField, "duplicate-item", "item '" + itemId + "' appears twice");
            }
            values.clear();
            for (TextColumn column : columns) {
              values.add(row[column.index()]);
            }
            result.indexById.put(itemId, result.ids.size());
            result.ids.add(itemId);
            result.items.add(builder.build(itemId, result.keys, values));
          });
    }
    return result;
  }

  /** The text columns and their keys; fails naming the file and header when there is none. */
  private static List<TextColumn> textColumns(
      AtomicHeader header, LineSource lines, int idColumn, ImportOptions options)
      throws DataFormatException {
    Map<String, String> mapping = options.recBoleFields().attributeNames();
    for (String column : mapping.keySet()) {
      int index = header.indexOf(column);
      String problem = null;
      if (index < 0) {
        problem = "has no column '" + column + "'";
      } else if (index == idColumn) {
        problem = "uses '" + column + "' as the item id";
      } else if (!isText(header.type(index))) {
        problem =
            "has '"
                + column
                + "' of type "
                + header.type(index)
                + ", which is not text (token or token_seq)";
      }
      if (problem != null) {
        throw new DataFormatException(
            lines.file(),
            1,
            column,
            "wrong-header",
            "the attribute mapping names column '"
                + column
                + "', but header '"
                + header.describe()
                + "' "
                + problem);
      }
    }
    List<TextColumn> columns = new ArrayList<>();
    for (int i = 0; i < header.size(); i++) {
      String name = header.name(i);
      if (i == idColumn || !isText(header.type(i))) {
        continue;
      }
      boolean mapped = mapping.containsKey(name);
      String key = mapped ? mapping.get(name) : ALIASES.getOrDefault(name, name);
      if (!options.keepDescription() && ItemBuilder.DESCRIPTION.equals(key)) {
        continue;
      }
      columns.add(new TextColumn(i, name, key, mapped));
    }
    List<TextColumn> kept = new ArrayList<>();
    for (TextColumn column : columns) {
      List<TextColumn> same = columns.stream().filter(c -> c.key().equals(column.key())).toList();
      if (same.size() == 1 || column.mapped()) {
        // RecBoleFields allows one mapped column per key, and it wins.
        kept.add(column);
      } else if (same.stream().anyMatch(TextColumn::mapped)) {
        LOG.info(
            "{}: column '{}' is left out: another column is mapped to its attribute '{}'",
            lines.file().getFileName(),
            column.name(),
            column.key());
      } else {
        throw new DataFormatException(
            lines.file(),
            1,
            same.get(1).name(),
            "wrong-header",
            "columns '"
                + same.get(0).name()
                + "' and '"
                + same.get(1).name()
                + "' of header '"
                + header.describe()
                + "' both give attribute '"
                + column.key()
                + "'; map one of them to another name");
      }
    }
    if (kept.isEmpty()) {
      throw new DataFormatException(
          lines.file(),
          1,
          null,
          "no-text-column",
          "header '"
              + header.describe()
              + "' has no text column besides the item id '"
              + header.name(idColumn)
              + "': expected at least one column of type token or token_seq"
              + (options.keepDescription() ? "" : " other than description (keepDescription off)"));
    }
    return kept;
  }

  private static boolean isText(String type) {
    return "token".equals(type) || "token_seq".equals(type);
  }

  Path file() {
    return file;
  }

  /** Attribute keys, in encoding order. */
  List<String> keys() {
    return keys;
  }

  /** Rows read (items with and without text). */
  int size() {
    return ids.size();
  }

  /** Index of the item in file order, or -1 when the file has no such item. */
  int index(String id) {
    return indexById.getOrDefault(id, -1);
  }

  /**
   * Index of the item named by {@code token} (stripped), or fails ({@code unknown-item}) naming the
   * line, the field and this file.
   */
  int require(LineSource lines, String token, String field) throws DataFormatException {
    String id = token.strip();
    int index = index(id);
    if (index < 0) {
      throw lines.error(
          field,
          "unknown-item",
          "item '" + FieldValues.abbreviate(id) + "' is not in " + file.getFileName());
    }
    return index;
  }

  String id(int index) {
    return ids.get(index);
  }

  /** The item at this index, or null when its text is blank (it was dropped). */
  Item item(int index) {
    return items.get(index);
  }

  /** The items with text, in file order: the catalog. */
  List<Item> catalog() {
    return items.stream().filter(Objects::nonNull).toList();
  }

  /** Item id by index, null for items without text. */
  String[] idsWithText() {
    String[] result = new String[ids.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = items.get(i) == null ? null : ids.get(i);
    }
    return result;
  }
}
