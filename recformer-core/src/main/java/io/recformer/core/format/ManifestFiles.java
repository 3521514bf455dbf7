package io.recformer.core.format;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The shared reader and writer of versioned JSON manifests: strict parsing (duplicate keys and
 * trailing content are errors, positions are reported), the {@code kind} and {@code formatVersion}
 * checks, and atomic UTF-8 writing with a stable layout.
 */
final class ManifestFiles {

  static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private ManifestFiles() {}

  /**
   * Reads {@code file}, checks its kind and format version and returns its top-level fields with
   * {@code kind} and {@code formatVersion} already consumed.
   *
   * @param description what the file is, for messages ("bundle manifest")
   */
  static Fields read(Path file, String kind, int supportedVersion, String description)
      throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "missing " + description);
    }
    JsonNode root = parse(Files.readAllBytes(file), file.toString());
    Fields fields = Fields.of(root, description, file.toString());
    String actualKind = fields.string("kind");
    if (!actualKind.equals(kind)) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s has kind '%s', expected '%s' (a %s)",
              file,
              actualKind,
              kind,
              description));
    }
    int version = fields.int32("formatVersion");
    checkVersion(file, version, supportedVersion);
    return fields;
  }

  static void checkVersion(Path file, int version, int supportedVersion)
      throws ArtifactFormatException {
    if (version > supportedVersion) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s has format version %d; this library reads version %d: it was written by a newer"
                  + " recformer, upgrade the library (this is %s) to read it",
              file,
              version,
              supportedVersion,
              LibraryVersion.get()));
    }
    if (version < 1) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s has format version %d; versions start at 1 and this library reads version %d",
              file,
              version,
              supportedVersion));
    }
    // Versions 1 .. supportedVersion - 1 would be migrated here when a version 2 exists.
  }

  /** Parses JSON text; syntax errors name the source, line and column. */
  static JsonNode parse(byte[] utf8, String source) throws ArtifactFormatException {
    JsonNode root;
    try {
      root = MAPPER.readTree(utf8);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null
              ? ""
              : String.format(
                  Locale.ROOT, " at line %d, column %d", at.getLineNr(), at.getColumnNr());
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT, "%s is not valid JSON%s: %s", source, where, e.getOriginalMessage()),
          e);
    } catch (IOException e) {
      throw new ArtifactFormatException(source + " could not be parsed: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) {
      throw new ArtifactFormatException(source + " is empty, expected a JSON object");
    }
    return root;
  }

  /** A new manifest object starting with {@code formatVersion} and {@code kind}. */
  static ObjectNode header(int version, String kind) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("formatVersion", version);
    root.put("kind", kind);
    return root;
  }

  /**
   * Renders JSON with two-space indentation, {@code "key": value}, {@code "\n"} line ends on every
   * platform and a final newline, so that files are byte-identical across machines.
   */
  static String render(JsonNode node) {
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(indenter)
            .withArrayIndenter(indenter);
    try {
      return MAPPER.writer(printer).writeValueAsString(node) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not render JSON", e);
    }
  }

  /** Writes {@code node} to {@code file} as UTF-8, atomically. */
  static void write(Path file, JsonNode node) throws IOException {
    AtomicFiles.write(file, render(node).getBytes(StandardCharsets.UTF_8));
  }
}
