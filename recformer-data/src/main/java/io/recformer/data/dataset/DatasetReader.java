package io.recformer.data.dataset;

import static io.recformer.data.dataset.DatasetStore.ITEMS;
import static io.recformer.data.dataset.DatasetStore.MANIFEST;
import static io.recformer.data.dataset.DatasetStore.USERS;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import io.recformer.data.source.SourceFiles;
import io.recformer.data.source.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the on-disk dataset form written by {@link DatasetStore}: checks the manifest's format
 * version and the files' checksums before parsing, then counts and fingerprint after. JSON is read
 * strictly (duplicate keys and trailing content are errors).
 */
final class DatasetReader {

  private DatasetReader() {}

  static Dataset read(Path directory) throws IOException {
    Path dir = directory.toAbsolutePath().normalize();
    Path manifestFile = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(manifestFile)) {
      throw new DataFormatException(
          manifestFile,
          0,
          null,
          "not-a-dataset",
          "no "
              + MANIFEST
              + ": not a dataset directory, or a write that never completed"
              + " (complete datasets always have a manifest)");
    }
    DatasetManifest manifest = readManifest(manifestFile);
    for (Map.Entry<String, String> file : manifest.fileSha256().entrySet()) {
      String actual = sha256Of(dir.resolve(file.getKey()));
      if (!actual.equals(file.getValue())) {
        throw new DataFormatException(
            dir.resolve(file.getKey()),
            0,
            null,
            "checksum",
            "SHA-256 is "
                + actual
                + " but the manifest records "
                + file.getValue()
                + "; the file was changed or damaged");
      }
    }
    List<Item> items = readItems(dir.resolve(ITEMS));
    ItemCatalog catalog;
    try {
      catalog = ItemCatalog.of(items);
    } catch (IllegalArgumentException e) {
      throw new DataFormatException(
          dir.resolve(ITEMS), 0, "id", "duplicate-item", e.getMessage(), e);
    }
    List<UserHistory> users = readUsers(dir.resolve(USERS));
    Dataset dataset;
    try {
      dataset = Dataset.of(manifest.name(), catalog, users, manifest.provenance());
    } catch (IllegalArgumentException e) {
      throw new DataFormatException(dir.resolve(USERS), 0, null, "inconsistent", e.getMessage(), e);
    }
    if (dataset.userCount() != manifest.users()
        || dataset.itemCount() != manifest.items()
        || dataset.interactionCount() != manifest.interactions()) {
      throw new DataFormatException(
          manifestFile,
          0,
          "counts",
          "counts",
          "manifest records "
              + manifest.users()
              + " users, "
              + manifest.items()
              + " items, "
              + manifest.interactions()
              + " interactions but the files hold "
              + dataset.userCount()
              + ", "
              + dataset.itemCount()
              + ", "
              + dataset.interactionCount());
    }
    if (!dataset.fingerprint().equals(manifest.fingerprint())) {
      throw new DataFormatException(
          manifestFile,
          0,
          "fingerprint",
          "fingerprint",
          "content fingerprint is "
              + dataset.fingerprint()
              + " but the manifest records "
              + manifest.fingerprint());
    }
    return dataset;
  }

  static DatasetManifest readManifest(Path manifestFile) throws IOException {
    JsonNode root;
    try (Reader reader = SourceFiles.openReader(manifestFile)) {
      root = StrictJson.readTree(reader);
    } catch (JsonProcessingException e) {
      throw StrictJson.error(manifestFile, e);
    }
    if (root == null || !root.isObject()) {
      throw new DataFormatException(
          manifestFile, 0, null, "malformed-json", "expected a JSON object");
    }
    String format = root.path("format").asText("");
    if (!DatasetManifest.FORMAT_NAME.equals(format)) {
      throw new DataFormatException(
          manifestFile,
          0,
          "format",
          "wrong-format",
          "format is '" + format + "', expected '" + DatasetManifest.FORMAT_NAME + "'");
    }
    JsonNode version = root.get("formatVersion");
    if (version == null || !version.canConvertToInt()) {
      throw new DataFormatException(
          manifestFile, 0, "formatVersion", "missing-field", "missing or not an integer");
    }
    if (version.asInt() != DatasetManifest.FORMAT_VERSION) {
      throw new DataFormatException(
          manifestFile,
          0,
          "formatVersion",
          "unsupported-version",
          "dataset format version "
              + version.asInt()
              + " is not supported; this recformer-data reads version "
              + DatasetManifest.FORMAT_VERSION
              + (version.asInt() > DatasetManifest.FORMAT_VERSION
                  ? " (written by a newer release: upgrade)"
                  : ""));
    }
    JsonNode counts = root.path("counts");
    List<String> keys = new ArrayList<>();
    root.path("attributeKeys").forEach(node -> keys.add(node.asText()));
    Map<String, String> files = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : root.path("files").properties()) {
      files.put(entry.getKey(), entry.getValue().path("sha256").asText());
    }
    Map<String, String> provenance = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : root.path("provenance").properties()) {
      provenance.put(entry.getKey(), entry.getValue().asText());
    }
    return new DatasetManifest(
        version.asInt(),
        root.path("name").asText("dataset"),
        counts.path("users").asInt(-1),
        counts.path("items").asInt(-1),
        counts.path("interactions").asLong(-1),
        root.path("hasTimestamps").asBoolean(),
        keys,
        root.path("fingerprint").asText(""),
        files,
        provenance);
  }

  // The files were checked against the manifest's checksums before parsing, so a long line is
  // genuine (a user with millions of interactions): no limit below the JVM's.
  private static List<Item> readItems(Path file) throws IOException {
    List<Item> items = new ArrayList<>();
    try (LineSource lines = LineSource.open(file, LineSource.MAX_LINE_BYTES_LIMIT)) {
      while (lines.next()) {
        if (lines.isBlank()) {
          continue;
        }
        JsonNode node = parseLine(lines);
        String id = requireText(lines, node, "id");
        JsonNode attributes = node.get("attributes");
        if (attributes == null || !attributes.isObject()) {
          throw lines.error(
              "attributes", "missing-field", "expected an object of attribute key -> text");
        }
        List<ItemAttribute> list = new ArrayList<>(attributes.size());
        for (Map.Entry<String, JsonNode> field : attributes.properties()) {
          list.add(new ItemAttribute(field.getKey(), field.getValue().asText()));
        }
        items.add(new Item(id, list));
      }
    }
    return items;
  }

  private static List<UserHistory> readUsers(Path file) throws IOException {
    List<UserHistory> users = new ArrayList<>();
    Map<String, String> interned = new HashMap<>();
    try (LineSource lines = LineSource.open(file, LineSource.MAX_LINE_BYTES_LIMIT)) {
      while (lines.next()) {
        if (lines.isBlank()) {
          continue;
        }
        JsonNode node = parseLine(lines);
        String user = requireText(lines, node, "user");
        JsonNode itemsNode = node.get("items");
        if (itemsNode == null || !itemsNode.isArray()) {
          throw lines.error("items", "missing-field", "expected an array of item ids");
        }
        List<String> itemIds = new ArrayList<>(itemsNode.size());
        itemsNode.forEach(n -> itemIds.add(interned.computeIfAbsent(n.asText(), k -> k)));
        List<Long> timestamps = new ArrayList<>();
        JsonNode ts = node.get("timestamps");
        if (ts != null) {
          if (!ts.isArray() || ts.size() != itemIds.size()) {
            throw lines.error(
                "timestamps", "bad-value", "expected an array of " + itemIds.size() + " integers");
          }
          ts.forEach(n -> timestamps.add(n.asLong()));
        }
        users.add(new UserHistory(user, itemIds, timestamps));
      }
    }
    return users;
  }

  private static JsonNode parseLine(LineSource lines) throws IOException {
    try {
      JsonNode node = StrictJson.readTree(lines.text());
      if (node == null || !node.isObject()) {
        throw lines.error(null, "malformed-json", "expected one JSON object per line");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw StrictJson.error(lines, e);
    }
  }

  private static String requireText(LineSource lines, JsonNode node, String field)
      throws DataFormatException {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw lines.error(field, "missing-field", "missing or blank");
    }
    return value.asText();
  }

  private static String sha256Of(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new DataFormatException(
          file, 0, null, "missing-file", "listed in the manifest but missing");
    }
    MessageDigest sha = DatasetStore.sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
