package io.recformer.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reading and checking request bodies: every refusal names the field at fault. */
final class RequestJson {

  private RequestJson() {}

  /** The body as a JSON object whose fields are all in {@code allowed}. */
  static JsonNode object(ObjectMapper json, byte[] body, Set<String> allowed) {
    if (body.length == 0) {
      throw ApiException.badRequest("body", "the request body is empty; send a JSON object");
    }
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(
          "body",
          "the request body is not valid JSON: "
              + e.getOriginalMessage()
              + (e.getLocation() == null
                  ? ""
                  : " (line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()
                      + ")"));
    } catch (IOException e) {
      throw ApiException.badRequest("body", "the request body could not be read: " + e);
    }
    if (root == null || !root.isObject()) {
      throw ApiException.badRequest(
          "body", "expected a JSON object, got " + (root == null ? "nothing" : kind(root)));
    }
    requireKnownFields(root, "", allowed);
    return root;
  }

  static void requireKnownFields(JsonNode object, String prefix, Set<String> allowed) {
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiException.badRequest(
            prefix + name,
            "unknown field '" + prefix + name + "'; allowed: " + String.join(", ", allowed));
      }
    }
  }

  /** A non-blank string field, or null when absent or JSON null. */
  static String optionalText(JsonNode node, String field) {
    JsonNode value = node.get(lastSegment(field));
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw ApiException.badRequest(field, "'" + field + "' must be a string, got " + kind(value));
    }
    if (value.asText().isBlank()) {
      throw ApiException.badRequest(field, "'" + field + "' must not be blank");
    }
    return value.asText();
  }

  /** An integer field in [min, max], or {@code otherwise} when absent. */
  static int integer(JsonNode node, String field, int otherwise, int min, int max) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return otherwise;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw ApiException.badRequest(
          field, "'" + field + "' must be an integer, got " + kind(value));
    }
    int v = value.intValue();
    if (v < min || v > max) {
      throw ApiException.badRequest(
          field, String.format(Locale.ROOT, "'%s' = %d must be in [%d, %d]", field, v, min, max));
    }
    return v;
  }

  /** A list of non-blank strings of at most {@code max} elements (413 above). */
  static List<String> strings(JsonNode node, String field, int max) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw ApiException.badRequest(
          field, "'" + field + "' must be a list of item ids, got " + kind(value));
    }
    if (value.size() > max) {
      throw ApiException.tooLarge(
          field,
          "'" + field + "' holds " + value.size() + " elements; at most " + max + " are accepted");
    }
    List<String> out = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      JsonNode element = value.get(i);
      String where = field + "[" + i + "]";
      if (!element.isTextual() || element.asText().isBlank()) {
        throw ApiException.badRequest(
            where, "'" + where + "' must be a non-blank item id, got " + kind(element));
      }
      out.add(element.asText());
    }
    return out;
  }

  static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> "the number " + node.asText();
      case BOOLEAN -> node.asText();
      case NULL, MISSING -> "null";
      case ARRAY -> "a list";
      case OBJECT, POJO -> "an object";
      case BINARY -> "binary data";
    };
  }

  private static String lastSegment(String field) {
    int dot = field.lastIndexOf('.');
    return dot < 0 ? field : field.substring(dot + 1);
  }
}
