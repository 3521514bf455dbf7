package io.recformer.core.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Typed, strict access to the fields of one JSON object of an artifact file. Every error names the
 * kind of object ("config", "manifest", "provenance"), the field and the file; fields never asked
 * for are reported by {@link #rejectUnknown()} so that a typo or a field from a newer writer does
 * not pass silently.
 */
final class Fields {
  private final ObjectNode node;
  private final String what;
  private final String source;
  private final Set<String> consumed = new LinkedHashSet<>();

  private Fields(ObjectNode node, String what, String source) {
    this.node = node;
    this.what = what;
    this.source = source;
  }

  /** Wraps {@code node}, which must be a JSON object. */
  static Fields of(JsonNode node, String what, String source) throws ArtifactFormatException {
    if (node == null || !node.isObject()) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT, "%s in %s is %s, expected a JSON object", what, source, describe(node)));
    }
    return new Fields((ObjectNode) node, what, source);
  }

  String source() {
    return source;
  }

  boolean has(String name) {
    JsonNode v = node.get(name);
    return v != null && !v.isNull();
  }

  JsonNode require(String name) throws ArtifactFormatException {
    consumed.add(name);
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      throw new ArtifactFormatException(
          String.format(Locale.ROOT, "%s field '%s' missing in %s", what, name, source));
    }
    return v;
  }

  String string(String name) throws ArtifactFormatException {
    JsonNode v = require(name);
    if (!v.isTextual()) {
      throw wrongType(name, v, "a string");
    }
    return v.textValue();
  }

  Optional<String> optionalString(String name) throws ArtifactFormatException {
    consumed.add(name);
    return has(name) ? Optional.of(string(name)) : Optional.empty();
  }

  int int32(String name) throws ArtifactFormatException {
    JsonNode v = require(name);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw wrongType(name, v, "an integer in [-2^31, 2^31)");
    }
    return v.intValue();
  }

  long int64(String name) throws ArtifactFormatException {
    JsonNode v = require(name);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw wrongType(name, v, "an integer in [-2^63, 2^63)");
    }
    return v.longValue();
  }

  OptionalInt optionalInt32(String name) throws ArtifactFormatException {
    consumed.add(name);
    return has(name) ? OptionalInt.of(int32(name)) : OptionalInt.empty();
  }

  OptionalLong optionalInt64(String name) throws ArtifactFormatException {
    consumed.add(name);
    return has(name) ? OptionalLong.of(int64(name)) : OptionalLong.empty();
  }

  double number(String name) throws ArtifactFormatException {
    JsonNode v = require(name);
    if (!v.isNumber()) {
      throw wrongType(name, v, "a number");
    }
    return v.doubleValue();
  }

  Fields object(String name, String nestedWhat) throws ArtifactFormatException {
    JsonNode v = require(name);
    if (!v.isObject()) {
      throw wrongType(name, v, "a JSON object");
    }
    return new Fields((ObjectNode) v, nestedWhat, source);
  }

  /** A nested object that may be absent or null. */
  Optional<Fields> optionalObject(String name, String nestedWhat) throws ArtifactFormatException {
    consumed.add(name);
    return has(name) ? Optional.of(object(name, nestedWhat)) : Optional.empty();
  }

  List<String> stringList(String name) throws ArtifactFormatException {
    JsonNode v = require(name);
    if (!v.isArray()) {
      throw wrongType(name, v, "an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw wrongType(name, v, "an array of strings");
      }
      out.add(e.textValue());
    }
    return out;
  }

  /** An object of string values, in file order; absent means empty. */
  Map<String, String> stringMap(String name) throws ArtifactFormatException {
    consumed.add(name);
    Map<String, String> out = new LinkedHashMap<>();
    if (!has(name)) {
      return out;
    }
    JsonNode v = require(name);
    if (!v.isObject()) {
      throw wrongType(name, v, "an object of strings");
    }
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      if (!e.getValue().isTextual()) {
        throw wrongType(name + "." + e.getKey(), e.getValue(), "a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return out;
  }

  /** An object of number values, in file order; absent means empty. */
  Map<String, Double> numberMap(String name) throws ArtifactFormatException {
    consumed.add(name);
    Map<String, Double> out = new LinkedHashMap<>();
    if (!has(name)) {
      return out;
    }
    JsonNode v = require(name);
    if (!v.isObject()) {
      throw wrongType(name, v, "an object of numbers");
    }
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      if (!e.getValue().isNumber()) {
        throw wrongType(name + "." + e.getKey(), e.getValue(), "a number");
      }
      out.put(e.getKey(), e.getValue().doubleValue());
    }
    return out;
  }

  /** Fails on the first field that no accessor asked for. */
  void rejectUnknown() throws ArtifactFormatException {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!consumed.contains(name)) {
        throw new ArtifactFormatException(
            String.format(
                "unknown %s field '%s' in %s (known fields: %s)",
                what, name, source, String.join(", ", consumed)));
      }
    }
  }

  ArtifactFormatException wrongType(String name, JsonNode v, String expected) {
    return new ArtifactFormatException(
        String.format(
            Locale.ROOT,
            "%s field '%s' in %s is %s, expected %s",
            what,
            name,
            source,
            describe(v),
            expected));
  }

  /** Turns a record's validation failure into a file error naming the source. */
  ArtifactFormatException invalid(IllegalArgumentException e) {
    return new ArtifactFormatException(
        String.format(Locale.ROOT, "invalid %s in %s: %s", what, source, e.getMessage()), e);
  }

  private static String describe(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return "empty";
    }
    JsonNodeType type = v.getNodeType();
    String shown = v.isContainerNode() ? "" : abbreviate(v.toString()) + " ";
    return switch (type) {
      case STRING -> shown + "(a string)";
      case NUMBER -> shown + "(a number)";
      case BOOLEAN -> shown + "(a boolean)";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case NULL -> "null";
      default -> shown + "(" + type.name().toLowerCase(Locale.ROOT) + ")";
    };
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }
}
