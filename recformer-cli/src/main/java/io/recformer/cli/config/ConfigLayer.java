package io.recformer.cli.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One source of configuration values: a file, {@code --set key=value} assignments, a single
 * command-line option, or a previous run's saved options. Values stay raw ({@link JsonNode}) until
 * {@link ResolvedConfig#resolve} converts them with the schema's types, so every error can name the
 * layer's origin.
 *
 * @param origin where the values come from, e.g. {@code "config/finetune.yaml"} or {@code "--set
 *     batchSize=8"}; used in messages and in the resolved configuration
 * @param values raw values by key, in source order; a JSON null means "not set"
 */
public record ConfigLayer(String origin, Map<String, JsonNode> values) {

  public ConfigLayer {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /**
   * Reads a YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}) file whose top level is a
   * mapping of keys to plain values.
   *
   * @throws IOException naming the file (and line, for syntax errors) when it cannot be read
   */
  public static ConfigLayer file(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    ObjectMapper mapper;
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      mapper = new ObjectMapper(new YAMLFactory());
    } else if (name.endsWith(".json")) {
      mapper = new ObjectMapper();
    } else {
      throw new ConfigException(
          "config file " + file + ": unknown format; use a .yaml, .yml or" + " .json file");
    }
    mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "config file not found");
    }
    JsonNode root;
    try {
      root = mapper.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new IOException(
          "config file " + file + (line > 0 ? " line " + line : "") + ": " + e.getOriginalMessage(),
          e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new ConfigLayer(file.toString(), Map.of()); // an empty file sets nothing
    }
    if (!root.isObject()) {
      throw new ConfigException(
          "config file "
              + file
              + ": the top level must be a mapping of"
              + " keys to values (key: value lines), not a "
              + root.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    return of(file.toString(), root);
  }

  /** The fields of a JSON object (e.g. the {@code options} of a run's config.json). */
  public static ConfigLayer of(String origin, JsonNode object) {
    Map<String, JsonNode> values = new LinkedHashMap<>();
    object.properties().forEach(e -> values.put(e.getKey(), e.getValue()));
    return new ConfigLayer(origin, values);
  }

  /** {@code key=value} assignments ({@code --set}); the text after the first '=' is the value. */
  public static ConfigLayer assignments(String origin, List<String> assignments) {
    Map<String, JsonNode> values = new LinkedHashMap<>();
    for (String a : assignments) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(
            origin + " '" + a + "': expected key=value, e.g. " + origin + " batchSize=16");
      }
      values.put(a.substring(0, eq).strip(), TextNode.valueOf(a.substring(eq + 1)));
    }
    return new ConfigLayer(origin, values);
  }

  /** One value given by a dedicated command-line option, e.g. {@code --epochs 3}. */
  public static ConfigLayer option(String optionName, String key, Object value) {
    return new ConfigLayer(
        optionName + " " + value,
        Map.of(key, TextNode.valueOf(value instanceof Enum<?> e ? e.name() : value.toString())));
  }
}
