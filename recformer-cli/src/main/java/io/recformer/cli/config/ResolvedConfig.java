package io.recformer.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configuration of one command after applying its layers in order (defaults, then a file, then
 * {@code --set}, then dedicated options: later layers win). Every value remembers its origin, which
 * the printed and saved forms show, and {@link #bind} turns the values into the option records the
 * library takes, reporting the record's validation errors with the origins of the keys involved.
 */
public final class ResolvedConfig {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ConfigSchema schema;
  private final Map<String, Object> values;
  private final Map<String, String> origins;
  private final List<String> ignored;

  private ResolvedConfig(
      ConfigSchema schema,
      Map<String, Object> values,
      Map<String, String> origins,
      List<String> ignored) {
    this.schema = schema;
    this.values = values;
    this.origins = origins;
    this.ignored = List.copyOf(ignored);
  }

  /**
   * Applies {@code layers} in order over the schema's defaults.
   *
   * @throws ConfigException naming the layer's origin and the key when a key is unknown (with the
   *     allowed keys and a suggestion) or a value is not allowed (with the allowed values)
   */
  public static ResolvedConfig resolve(ConfigSchema schema, List<ConfigLayer> layers) {
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, String> origins = new LinkedHashMap<>();
    for (String name : schema.names()) {
      ConfigKey k = schema.key(name);
      values.put(name, k.defaultValue());
      origins.put(name, k.defaultOrigin());
    }
    List<String> ignored = new ArrayList<>();
    for (ConfigLayer layer : layers) {
      for (Map.Entry<String, JsonNode> e : layer.values().entrySet()) {
        String name = e.getKey();
        ConfigKey key = schema.key(name);
        if (key == null) {
          if (schema.tolerates(name)) {
            ignored.add(name + " (" + layer.origin() + ")");
            continue;
          }
          throw new ConfigException(
              layer.origin()
                  + ": unknown key '"
                  + name
                  + "' for recformer "
                  + schema.command()
                  + suggestion(schema, name)
                  + " Allowed keys: "
                  + String.join(", ", schema.names()));
        }
        if (e.getValue() == null || e.getValue().isNull()) {
          continue;
        }
        try {
          values.put(name, key.fromNode(e.getValue()));
        } catch (IllegalArgumentException bad) {
          JsonNode v = e.getValue();
          throw new ConfigException(
              layer.origin()
                  + ": key '"
                  + name
                  + "' = '"
                  + (v.isValueNode() ? v.asText() : v.toString())
                  + "' is not allowed; "
                  + bad.getMessage());
        }
        origins.put(name, layer.origin());
      }
    }
    return new ResolvedConfig(schema, values, origins, ignored);
  }

  private static String suggestion(ConfigSchema schema, String name) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : schema.names()) {
      int d = distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return best != null && bestDistance <= Math.max(2, name.length() / 4)
        ? "; did you mean '" + best + "'?"
        : ".";
  }

  /** Levenshtein distance, for "did you mean". */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] =
            Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[b.length()];
  }

  public ConfigSchema schema() {
    return schema;
  }

  /** The value of a key (null only for unset text keys). */
  public Object get(String name) {
    requireKey(name);
    return values.get(name);
  }

  public int getInt(String name) {
    return (Integer) get(name);
  }

  public long getLong(String name) {
    return (Long) get(name);
  }

  public double getDouble(String name) {
    return (Double) get(name);
  }

  public String getString(String name) {
    Object v = get(name);
    return v == null ? null : v.toString();
  }

  /** Where the value of a key came from. */
  public String origin(String name) {
    requireKey(name);
    return origins.get(name);
  }

  /** Keys of other commands that a file set and this command ignored, with their origin. */
  public List<String> ignored() {
    return ignored;
  }

  private void requireKey(String name) {
    if (schema.key(name) == null) {
      throw new IllegalArgumentException(
          "recformer " + schema.command() + " has no key '" + name + "'");
    }
  }

  /**
   * A copy of {@code base} with every component that this configuration has a key of replaced by
   * the key's value; the record's own validation runs.
   *
   * @throws ConfigException with the record's message and the origins of the keys it names
   */
  @SuppressWarnings("unchecked")
  public <R extends Record> R bind(R base) {
    Class<R> type = (Class<R>) base.getClass();
    RecordComponent[] components = type.getRecordComponents();
    Object[] args = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      types[i] = c.getType();
      try {
        args[i] =
            schema.key(c.getName()) != null
                ? values.get(c.getName())
                : c.getAccessor().invoke(base);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + c.getName(), e);
      }
    }
    try {
      Constructor<R> canonical = type.getDeclaredConstructor(types);
      return canonical.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException bad) {
        throw new ConfigException(
            "invalid configuration for recformer "
                + schema.command()
                + ": "
                + bad.getMessage()
                + originsOf(bad.getMessage()),
            bad);
      }
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
    }
  }

  /** " (batchSize from config/x.yaml)" for the keys a validation message names. */
  private String originsOf(String message) {
    Set<String> named = new LinkedHashSet<>();
    for (String name : schema.names()) {
      if (Pattern.compile("\\b" + Pattern.quote(name) + "\\b").matcher(message).find()) {
        named.add(name + " from " + origins.get(name));
      }
    }
    return named.isEmpty() ? "" : " (" + String.join("; ", named) + ")";
  }

  /** The values as a JSON object in key order (enums by name). */
  public ObjectNode toJson() {
    ObjectNode node = JSON.createObjectNode();
    values.forEach((k, v) -> node.set(k, JSON.valueToTree(ConfigKey.plain(v))));
    return node;
  }

  /**
   * The values as YAML that {@link ConfigLayer#file} reads back, each line commented with its
   * origin, after {@code header} comment lines.
   */
  public String toYaml(List<String> header) {
    StringBuilder out = new StringBuilder();
    for (String line : header) {
      out.append("# ").append(line).append('\n');
    }
    int width = 0;
    for (String name : schema.names()) {
      width = Math.max(width, name.length() + 2 + yamlValue(values.get(name)).length());
    }
    for (String name : schema.names()) {
      String entry = name + ": " + yamlValue(values.get(name));
      out.append(entry)
          .append(" ".repeat(width - entry.length() + 2))
          .append("# ")
          .append(origins.get(name))
          .append('\n');
    }
    return out.toString();
  }

  private static String yamlValue(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      try {
        return JSON.writeValueAsString(s); // a JSON string literal is a YAML double-quoted scalar
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    if (v instanceof Double d) {
      return Double.toString(d); // always has '.' or 'E' with a digit before: a YAML 1.1 float
    }
    return ConfigKey.plain(v).toString();
  }

  /** Writes {@link #toYaml} atomically. */
  public void writeYaml(Path file, List<String> header) throws IOException {
    AtomicFiles.writeString(file, toYaml(header));
  }

  /** One line per key, {@code key = value (origin)}, for the log. */
  public String describe() {
    StringBuilder out = new StringBuilder();
    for (String name : schema.names()) {
      out.append(
          String.format(
              Locale.ROOT,
              "%n  %-22s = %-12s (%s)",
              name,
              ConfigKey.plain(values.get(name)),
              origins.get(name)));
    }
    return out.toString();
  }
}
