package io.recformer.core.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.RecformerConfig;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@link RecformerConfig} as a JSON object: one field per record component, in declaration order,
 * numbers in Java's locale-independent notation ({@code 1.0E-5}), enums by name.
 *
 * <p>Reading is strict: a missing or unknown field fails naming the field and the file ("config
 * field 'hiddenSize' missing in /path/manifest.json"), and the record's own validation runs, so a
 * file never yields a config that code could not have built. The field list comes from the record
 * itself, so a component added to the record is written and required without changes here.
 */
public final class ConfigJson {

  private static final RecordComponent[] COMPONENTS = RecformerConfig.class.getRecordComponents();
  private static final Constructor<RecformerConfig> CANONICAL = canonical();

  private ConfigJson() {}

  /** The config as a pretty-printed JSON object. */
  public static String toJson(RecformerConfig config) {
    return ManifestFiles.render(toNode(config));
  }

  /**
   * Parses a config from JSON text.
   *
   * @param source what the text is, for error messages (usually a file path)
   * @throws ArtifactFormatException on malformed JSON, a missing, unknown or mistyped field, or a
   *     value the config rejects
   */
  public static RecformerConfig fromJson(String json, String source)
      throws ArtifactFormatException {
    return read(
        Fields.of(
            ManifestFiles.parse(json.getBytes(StandardCharsets.UTF_8), source), "config", source));
  }

  /** Writes a config file atomically (UTF-8). */
  public static void write(Path file, RecformerConfig config) throws IOException {
    ManifestFiles.write(file, toNode(config));
  }

  /** Reads a config file written by {@link #write}. */
  public static RecformerConfig read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    return read(Fields.of(ManifestFiles.parse(bytes, file.toString()), "config", file.toString()));
  }

  static ObjectNode toNode(RecformerConfig config) {
    ObjectNode node = ManifestFiles.MAPPER.createObjectNode();
    for (RecordComponent c : COMPONENTS) {
      Object value = get(c, config);
      Class<?> type = c.getType();
      if (type == int.class) {
        node.put(c.getName(), (Integer) value);
      } else if (type == double.class) {
        node.put(c.getName(), (Double) value);
      } else if (type.isEnum()) {
        node.put(c.getName(), ((Enum<?>) value).name());
      } else {
        throw new IllegalStateException("no JSON mapping for config component " + c);
      }
    }
    return node;
  }

  /** Reads a config from an object's fields (consumes all of them, rejects unknown ones). */
  static RecformerConfig read(Fields fields) throws ArtifactFormatException {
    Object[] args = new Object[COMPONENTS.length];
    for (int i = 0; i < COMPONENTS.length; i++) {
      RecordComponent c = COMPONENTS[i];
      Class<?> type = c.getType();
      if (type == int.class) {
        args[i] = fields.int32(c.getName());
      } else if (type == double.class) {
        args[i] = fields.number(c.getName());
      } else if (type.isEnum()) {
        args[i] = enumValue(fields, c.getName(), type);
      } else {
        throw new IllegalStateException("no JSON mapping for config component " + c);
      }
    }
    fields.rejectUnknown();
    try {
      return CANONICAL.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException iae) {
        throw fields.invalid(iae);
      }
      throw new IllegalStateException("config constructor failed", e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot call the RecformerConfig constructor", e);
    }
  }

  private static Object enumValue(Fields fields, String name, Class<?> type)
      throws ArtifactFormatException {
    JsonNode v = fields.require(name);
    Object[] constants = type.getEnumConstants();
    if (v.isTextual()) {
      for (Object constant : constants) {
        if (((Enum<?>) constant).name().equals(v.textValue())) {
          return constant;
        }
      }
    }
    String allowed =
        Arrays.stream(constants).map(x -> ((Enum<?>) x).name()).collect(Collectors.joining(", "));
    throw fields.wrongType(name, v, String.format(Locale.ROOT, "one of %s", allowed));
  }

  private static Object get(RecordComponent c, RecformerConfig config) {
    try {
      return c.getAccessor().invoke(config);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read config component " + c.getName(), e);
    }
  }

  private static Constructor<RecformerConfig> canonical() {
    Class<?>[] types =
        Arrays.stream(COMPONENTS).map(RecordComponent::getType).toArray(Class<?>[]::new);
    try {
      return RecformerConfig.class.getDeclaredConstructor(types);
    } catch (NoSuchMethodException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
