package io.recformer.data.importer;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds items with the canonical attribute keys and order: {@code title, brand, category} (the
 * paper's layout) then {@code description}. Values are trimmed, entity-decoded when asked, and
 * empty values are left out (they would cost tokens and carry nothing).
 *
 * <p>Raw Amazon metadata follows the paper: an item without a title is dropped ({@code
 * requireTitle}). Already processed datasets (UniSRec, LC-Rec JSON, RecBole, original Recformer)
 * are imported as published, so an item there keeps its place when it has no title but other text
 * (the Office 2014 data has three such items; dropping them would change the published counts);
 * only an item with no text at all is dropped, since it cannot be encoded.
 */
final class ItemBuilder {

  static final String TITLE = "title";
  static final String BRAND = "brand";
  static final String CATEGORY = "category";
  static final String DESCRIPTION = "description";

  private final ImportOptions options;
  private final boolean requireTitle;
  private final ImportRun run;

  ItemBuilder(ImportOptions options, boolean requireTitle, ImportRun run) {
    this.options = options;
    this.requireTitle = requireTitle;
    this.run = run;
  }

  /**
   * The item, or null when it must be dropped (counted as {@code
   * dropped.item-without-title/-text}).
   */
  Item build(String id, String title, String brand, String category, String description) {
    String cleanTitle = clean(title);
    if (cleanTitle.isEmpty() && requireTitle) {
      run.count("dropped.item-without-title");
      return null;
    }
    List<ItemAttribute> attributes = new ArrayList<>(4);
    add(attributes, TITLE, cleanTitle);
    add(attributes, BRAND, brand);
    add(attributes, CATEGORY, category);
    if (options.keepDescription()) {
      add(attributes, DESCRIPTION, description);
    }
    if (attributes.isEmpty()) {
      run.count("dropped.item-without-text");
      return null;
    }
    if (cleanTitle.isEmpty()) {
      run.count("kept.item-without-title");
    }
    return new Item(id, attributes);
  }

  /**
   * An item from named text columns (RecBole {@code .item} files), attributes in column order; null
   * when every value is blank (counted as {@code dropped.item-without-text}). Keys are used as
   * given, so {@link ImportOptions#keepDescription()} is applied by the caller.
   */
  Item build(String id, List<String> keys, List<String> values) {
    List<ItemAttribute> attributes = new ArrayList<>(keys.size());
    boolean titleColumn = false;
    boolean titleBlank = false;
    for (int i = 0; i < keys.size(); i++) {
      int before = attributes.size();
      add(attributes, keys.get(i), values.get(i));
      if (TITLE.equals(keys.get(i))) {
        titleColumn = true;
        titleBlank = attributes.size() == before;
      }
    }
    if (attributes.isEmpty()) {
      run.count("dropped.item-without-text");
      return null;
    }
    if (titleColumn && titleBlank) {
      run.count("kept.item-without-title");
    }
    return new Item(id, attributes);
  }

  private void add(List<ItemAttribute> attributes, String key, String value) {
    String clean = clean(value);
    if (!clean.isEmpty()) {
      attributes.add(new ItemAttribute(key, clean));
    }
  }

  private String clean(String value) {
    if (value == null) {
      return "";
    }
    String decoded = options.decodeHtmlEntities() ? HtmlEntities.decode(value) : value;
    return decoded.strip();
  }
}
