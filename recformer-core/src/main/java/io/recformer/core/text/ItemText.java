package io.recformer.core.text;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Items as one line of plain text, for text baselines (TF-IDF, sentence embeddings) and corpus
 * statistics; the Recformer encoder itself tokenizes keys and values separately instead.
 */
public final class ItemText {

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private ItemText() {}

  /**
   * The first {@code maxAttributes} attributes in the item's order as {@code "key: value"} joined
   * by single spaces, e.g. {@code "title: Gorilla Wood Glue brand: Gorilla category: Adhesives"}.
   * Each value is trimmed and its runs of ASCII whitespace (spaces, tabs, line breaks) become one
   * space; attributes whose value is blank are left out. Case is kept. The result depends on
   * nothing but the item, so it is stable across runs, machines and locales.
   */
  public static String flatten(Item item, int maxAttributes) {
    if (maxAttributes < 1) {
      throw new IllegalArgumentException(
          "maxAttributes = " + maxAttributes + " is out of range: must be >= 1");
    }
    List<ItemAttribute> attributes = item.attributes();
    StringBuilder text = new StringBuilder();
    for (int a = 0; a < Math.min(maxAttributes, attributes.size()); a++) {
      String value = WHITESPACE.matcher(attributes.get(a).value()).replaceAll(" ").strip();
      if (value.isEmpty()) {
        continue;
      }
      if (text.length() > 0) {
        text.append(' ');
      }
      text.append(attributes.get(a).key().strip()).append(": ").append(value);
    }
    return text.toString();
  }
}
