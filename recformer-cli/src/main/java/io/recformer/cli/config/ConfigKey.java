package io.recformer.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One configuration key: its name, value type (int, long, double, boolean, text or an enum) and
 * default value with the default's origin (e.g. {@code "default"}, {@code "init minilm"}).
 *
 * @param name key as written in files and {@code --set}; case-sensitive, camelCase like the option
 *     records' fields
 * @param type value type; primitive types are stored as their wrappers
 * @param defaultValue value when no layer sets the key; may be null only for text keys
 * @param defaultOrigin where the default comes from, shown in the resolved configuration
 */
public record ConfigKey(String name, Class<?> type, Object defaultValue, String defaultOrigin) {

  public ConfigKey {
    if (name == null || !name.matches("[a-zA-Z][a-zA-Z0-9]*")) {
      throw new IllegalArgumentException("key name '" + name + "' must be a camelCase identifier");
    }
    type = wrapper(type);
    if (type != Integer.class
        && type != Long.class
        && type != Double.class
        && type != Boolean.class
        && type != String.class
        && !type.isEnum()) {
      throw new IllegalArgumentException(
          "key '"
              + name
              + "' has unsupported type "
              + type
              + "; expected int, long, double, boolean, String or an enum");
    }
    if (defaultValue != null && !type.isInstance(defaultValue)) {
      throw new IllegalArgumentException(
          "key '" + name + "': default " + defaultValue + " is not a " + type.getSimpleName());
    }
  }

  private static Class<?> wrapper(Class<?> t) {
    if (t == int.class) {
      return Integer.class;
    }
    if (t == long.class) {
      return Long.class;
    }
    if (t == double.class) {
      return Double.class;
    }
    if (t == boolean.class) {
      return Boolean.class;
    }
    return t;
  }

  /** What the key accepts, for error messages: "an integer", "one of CLS, MEAN", ... */
  public String allowedValues() {
    if (type == Integer.class) {
      return "an integer";
    }
    if (type == Long.class) {
      return "an integer (64-bit)";
    }
    if (type == Double.class) {
      return "a number (e.g. 5e-5 or 0.1)";
    }
    if (type == Boolean.class) {
      return "true or false";
    }
    if (type.isEnum()) {
      return "one of "
          + Arrays.stream(type.getEnumConstants())
              .map(e -> ((Enum<?>) e).name())
              .collect(Collectors.joining(", "));
    }
    return "text";
  }

  /**
   * Converts command-line text to this key's type.
   *
   * @throws IllegalArgumentException if the text is not an allowed value (message without origin)
   */
  public Object parse(String text) {
    String t = text.strip();
    try {
      if (type == Integer.class) {
        return Integer.valueOf(t.replace("_", ""));
      }
      if (type == Long.class) {
        return Long.valueOf(t.replace("_", ""));
      }
      if (type == Double.class) {
        double v = Double.parseDouble(t);
        if (!Double.isFinite(v)) {
          throw new NumberFormatException(t);
        }
        return v;
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected " + allowedValues());
    }
    if (type == Boolean.class) {
      if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
        return Boolean.valueOf(t.toLowerCase(Locale.ROOT));
      }
      throw new IllegalArgumentException("expected " + allowedValues());
    }
    if (type.isEnum()) {
      for (Object constant : type.getEnumConstants()) {
        if (((Enum<?>) constant).name().equals(t.toUpperCase(Locale.ROOT).replace('-', '_'))) {
          return constant;
        }
      }
      throw new IllegalArgumentException("expected " + allowedValues());
    }
    return text;
  }

  /**
   * Converts a value read from a YAML or JSON file. Numbers written as text (YAML reads {@code
   * 5e-5} as text) are parsed like command-line values.
   *
   * @throws IllegalArgumentException if the node is not an allowed value
   */
  public Object fromNode(JsonNode node) {
    if (node.isContainerNode()) {
      throw new IllegalArgumentException(
          "expected " + allowedValues() + ", not a " + (node.isArray() ? "list" : "mapping"));
    }
    if (type == Integer.class || type == Long.class) {
      if (node.isIntegralNumber()) {
        if (type == Integer.class && !node.canConvertToInt()) {
          throw new IllegalArgumentException("expected " + allowedValues() + " (too large)");
        }
        return type == Integer.class ? (Object) node.intValue() : (Object) node.longValue();
      }
      if (node.isNumber()) {
        throw new IllegalArgumentException("expected " + allowedValues());
      }
    }
    if (type == Double.class && node.isNumber()) {
      return node.doubleValue();
    }
    if (type == Boolean.class && node.isBoolean()) {
      return node.booleanValue();
    }
    if (type == String.class && !node.isTextual()) {
      return node.asText();
    }
    return parse(node.asText());
  }

  /** A value as written in a resolved configuration file (enums by name). */
  static Object plain(Object value) {
    return value instanceof Enum<?> e ? e.name() : value;
  }
}
