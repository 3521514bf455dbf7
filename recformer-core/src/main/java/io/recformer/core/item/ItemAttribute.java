package io.recformer.core.item;

import java.util.Objects;

/**
 * One text attribute of an item, such as {@code title = "Gorilla Wood Glue 8oz"}.
 *
 * <p>Recformer tokenizes the key and the value separately (key tokens get token type 1, value
 * tokens type 2; reference section 2), so the key is part of the model input, not just a label.
 *
 * @param key the attribute name, non-blank (for example {@code title}, {@code brand})
 * @param value the attribute text; may be empty, in which case only the key is encoded
 */
public record ItemAttribute(String key, String value) {

  public ItemAttribute {
    Objects.requireNonNull(key, "attribute key");
    Objects.requireNonNull(value, () -> "value of attribute '" + key + "'");
    if (key.isBlank()) {
      throw new IllegalArgumentException(
          "attribute key must not be blank (value: '" + value + "')");
    }
  }
}
