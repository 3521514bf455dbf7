package io.recformer.infer.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.format.Provenance;
import io.recformer.core.io.AtomicFiles;
import io.recformer.infer.index.ItemIndexes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * {@code catalog.json}, the commit point of a catalog directory (docs/formats.md, "Catalog
 * directory"): names the generation whose index, item file and delta log make up the catalog.
 * Replacing it (atomically, then forcing the directory) is what makes a new generation current.
 *
 * @param generation increases by one with every checkpoint
 * @param indexFile the base index of this generation
 * @param itemFile the base items, one per base index row
 * @param deltaFile the items added since the base was written
 * @param dimension vector length
 * @param modelFingerprint the model that produced the vectors (the index's fingerprint)
 */
record CatalogManifest(
    long generation,
    String indexFile,
    String itemFile,
    String deltaFile,
    int dimension,
    String modelFingerprint,
    ItemIndexes.Kind indexKind) {

  static final String FILE_NAME = "catalog.json";
  static final String KIND = "recformer-catalog";
  static final int VERSION = 1;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Set<String> FIELDS =
      Set.of(
          "formatVersion",
          "kind",
          "generation",
          "indexKind",
          "indexFile",
          "itemFile",
          "deltaFile",
          "dimension",
          "modelFingerprint",
          "provenance");

  static CatalogManifest forGeneration(
      long generation, int dimension, String modelFingerprint, ItemIndexes.Kind indexKind) {
    return new CatalogManifest(
        generation,
        "index-" + generation + (indexKind == ItemIndexes.Kind.HNSW ? ".rfhnsw" : ".rfidx"),
        "items-" + generation + ".rfitems",
        "delta-" + generation + ".rflog",
        dimension,
        modelFingerprint,
        indexKind);
  }

  /** Writes the manifest atomically into {@code dir} and forces the directory. */
  void write(Path dir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("formatVersion", VERSION);
    root.put("kind", KIND);
    root.put("generation", generation);
    root.put("indexKind", indexKind.label());
    root.put("indexFile", indexFile);
    root.put("itemFile", itemFile);
    root.put("deltaFile", deltaFile);
    root.put("dimension", dimension);
    root.put("modelFingerprint", modelFingerprint);
    root.set(
        "provenance",
        JSON.readTree(
            Provenance.capture("none", 0, Map.of("writer", "recformer-infer Catalog")).toJson()));
    String text = JSON.writeValueAsString(root).replace("\r\n", "\n") + "\n";
    AtomicFiles.writeString(dir.resolve(FILE_NAME), text);
    Durability.forceDirectory(dir);
  }

  static CatalogManifest read(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw new CatalogFileException(
          "catalog", dir, "no " + FILE_NAME + ": not a catalog directory", e);
    } catch (JsonProcessingException e) {
      throw new CatalogFileException(
          "catalog manifest", file, "not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CatalogFileException("catalog manifest", file, "expected a JSON object");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new CatalogFileException("catalog manifest", file, "unknown field '" + name + "'");
      }
    }
    int version = integer(root, "formatVersion", file);
    if (version < 1 || version > VERSION) {
      throw new CatalogFileException(
          "catalog manifest",
          file,
          "format version "
              + version
              + " is not supported; this library reads version "
              + VERSION
              + (version > VERSION ? ": it was written by a newer recformer, upgrade" : ""));
    }
    if (!KIND.equals(text(root, "kind", file))) {
      throw new CatalogFileException(
          "catalog manifest", file, "kind is '" + text(root, "kind", file) + "', not " + KIND);
    }
    String indexKindText = text(root, "indexKind", file);
    ItemIndexes.Kind indexKind;
    try {
      indexKind = ItemIndexes.Kind.of(indexKindText);
    } catch (IllegalArgumentException e) {
      throw new CatalogFileException("catalog manifest", file, e.getMessage(), e);
    }
    if (!root.path("provenance").isObject()) {
      throw new CatalogFileException("catalog manifest", file, "field 'provenance' missing");
    }
    JsonNode generation = root.get("generation");
    if (generation == null || !generation.canConvertToLong() || generation.asLong() < 1) {
      throw new CatalogFileException(
          "catalog manifest", file, "field 'generation' must be an integer >= 1");
    }
    int dimension = integer(root, "dimension", file);
    if (dimension < 1) {
      throw new CatalogFileException(
          "catalog manifest", file, "field 'dimension' is " + dimension + ", must be >= 1");
    }
    return new CatalogManifest(
        generation.asLong(),
        fileName(root, "indexFile", file),
        fileName(root, "itemFile", file),
        fileName(root, "deltaFile", file),
        dimension,
        text(root, "modelFingerprint", file),
        indexKind);
  }

  private static int integer(JsonNode root, String field, Path file) throws CatalogFileException {
    JsonNode node = root.get(field);
    if (node == null || !node.isInt()) {
      throw new CatalogFileException(
          "catalog manifest", file, "field '" + field + "' must be an integer");
    }
    return node.asInt();
  }

  private static String text(JsonNode root, String field, Path file) throws CatalogFileException {
    JsonNode node = root.get(field);
    if (node == null || !node.isTextual()) {
      throw new CatalogFileException(
          "catalog manifest", file, "field '" + field + "' must be a string");
    }
    return node.asText();
  }

  /** A plain file name inside the directory: the manifest cannot point elsewhere on the disk. */
  private static String fileName(JsonNode root, String field, Path file)
      throws CatalogFileException {
    String name = text(root, field, file);
    if (name.isEmpty()
        || name.contains("/")
        || name.contains("\\")
        || name.equals(".")
        || name.equals("..")) {
      throw new CatalogFileException(
          "catalog manifest",
          file,
          "field '" + field + "' is '" + name + "', must be a plain file name");
    }
    return name;
  }
}
