package io.recformer.data.dataset;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import io.recformer.data.source.SourceFiles;
import io.recformer.data.source.StrictJson;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads and writes the on-disk dataset form (format version 1, documented in docs/formats.md). */
final class DatasetStore {

  static final String MANIFEST = "manifest.json";
  static final String ITEMS = "items.jsonl";
  static final String USERS = "users.jsonl";

  private static final Logger LOG = LoggerFactory.getLogger(DatasetStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();

  private DatasetStore() {}

  static DatasetManifest write(Dataset dataset, Path directory) throws IOException {
    return write(dataset, directory, () -> {});
  }

  /**
   * {@code beforeManifest} runs after the data files are written; tests use it to simulate a crash.
   */
  static DatasetManifest write(Dataset dataset, Path directory, Runnable beforeManifest)
      throws IOException {
    return write(dataset, directory, beforeManifest, UnaryOperator.identity());
  }

  /**
   * {@code disk} stands between the data files' writers and the disk; tests use it to make the disk
   * fail (full, or an I/O error).
   */
  static DatasetManifest write(
      Dataset dataset, Path directory, Runnable beforeManifest, UnaryOperator<OutputStream> disk)
      throws IOException {
    Path target = directory.toAbsolutePath().normalize();
    Path parent = target.getParent();
    Files.createDirectories(parent);
    if (Files.exists(target)) {
      if (!Files.isDirectory(target)) {
        throw new IllegalArgumentException(
            "cannot write dataset to " + target + ": it exists and is not a directory");
      }
      if (!Files.isRegularFile(target.resolve(MANIFEST)) && !isEmpty(target)) {
        throw new IllegalArgumentException(
            "refusing to replace "
                + target
                + ": it is a non-empty directory without a dataset "
                + MANIFEST);
      }
    }
    Path temp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
    try {
      Map<String, String> checksums = new LinkedHashMap<>();
      checksums.put(
          ITEMS, writeFile(temp, target, ITEMS, disk, gen -> writeItems(dataset.items(), gen)));
      checksums.put(
          USERS, writeFile(temp, target, USERS, disk, gen -> writeUsers(dataset.users(), gen)));
      beforeManifest.run();
      DatasetManifest manifest =
          new DatasetManifest(
              DatasetManifest.FORMAT_VERSION,
              dataset.name(),
              dataset.userCount(),
              dataset.itemCount(),
              dataset.interactionCount(),
              dataset.hasTimestamps(),
              attributeKeys(dataset.items()),
              dataset.fingerprint(),
              checksums,
              dataset.provenance());
      // The manifest goes last: a directory with a manifest is complete by construction.
      try {
        AtomicFiles.write(
            temp.resolve(MANIFEST),
            out ->
                JSON.writerWithDefaultPrettyPrinter()
                    .writeValue(nonClosing(out), manifestJson(manifest)));
      } catch (IOException e) {
        throw named(target, MANIFEST, e);
      }
      forceDirectory(temp);
      if (Files.exists(target)) {
        Path old = Files.createTempDirectory(parent, "." + target.getFileName() + ".old-");
        Files.delete(old);
        AtomicFiles.moveIntoPlace(target, old);
        AtomicFiles.moveIntoPlace(temp, target);
        AtomicFiles.deleteRecursively(old);
      } else {
        AtomicFiles.moveIntoPlace(temp, target);
      }
      forceDirectory(parent);
      LOG.info("wrote {} to {} ({})", dataset, target, manifest.fingerprint());
      return manifest;
    } catch (IOException | RuntimeException | Error e) {
      try {
        AtomicFiles.deleteRecursively(temp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * A write failure that says which file of which dataset failed: a disk-full or I/O error from a
   * stream names no file.
   */
  private static IOException named(Path target, String file, IOException e) {
    if (e instanceof FileSystemException) {
      return e;
    }
    FileSystemException named =
        new FileSystemException(
            target.toString(), null, "cannot write the dataset's " + file + ": " + e.getMessage());
    named.initCause(e);
    return named;
  }

  private interface GeneratorBody {
    void write(JsonGenerator generator) throws IOException;
  }

  private static String writeFile(
      Path temp, Path target, String name, UnaryOperator<OutputStream> disk, GeneratorBody body)
      throws IOException {
    try {
      return writeFile(temp.resolve(name), disk, body);
    } catch (IOException e) {
      throw named(target, name, e);
    }
  }

  private static String writeFile(Path file, UnaryOperator<OutputStream> disk, GeneratorBody body)
      throws IOException {
    MessageDigest sha = sha256();
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      OutputStream out =
          new BufferedOutputStream(
              new DigestOutputStream(disk.apply(Channels.newOutputStream(channel)), sha), 1 << 16);
      try (JsonGenerator gen = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
        // The channel must stay open for force(): the generator only flushes.
        gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        gen.setRootValueSeparator(null);
        body.write(gen);
      }
      out.flush();
      channel.force(true);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static void writeItems(ItemCatalog items, JsonGenerator gen) throws IOException {
    for (Item item : items.items()) {
      gen.writeStartObject();
      gen.writeStringField("id", item.id());
      gen.writeObjectFieldStart("attributes");
      for (ItemAttribute attribute : item.attributes()) {
        gen.writeStringField(attribute.key(), attribute.value());
      }
      gen.writeEndObject();
      gen.writeEndObject();
      gen.writeRaw('\n');
    }
  }

  private static void writeUsers(List<UserHistory> users, JsonGenerator gen) throws IOException {
    for (UserHistory user : users) {
      gen.writeStartObject();
      gen.writeStringField("user", user.userId());
      gen.writeArrayFieldStart("items");
      for (String itemId : user.itemIds()) {
        gen.writeString(itemId);
      }
      gen.writeEndArray();
      if (user.hasTimestamps()) {
        gen.writeArrayFieldStart("timestamps");
        for (Long timestamp : user.timestamps()) {
          gen.writeNumber(timestamp);
        }
        gen.writeEndArray();
      }
      gen.writeEndObject();
      gen.writeRaw('\n');
    }
  }

  static List<String> attributeKeys(ItemCatalog items) {
    Set<String> keys = new LinkedHashSet<>();
    for (Item item : items.items()) {
      for (ItemAttribute attribute : item.attributes()) {
        keys.add(attribute.key());
      }
    }
    return List.copyOf(keys);
  }

  private static ObjectNode manifestJson(DatasetManifest m) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", DatasetManifest.FORMAT_NAME);
    root.put("formatVersion", m.formatVersion());
    root.put("name", m.name());
    ObjectNode counts = root.putObject("counts");
    counts.put("users", m.users());
    counts.put("items", m.items());
    counts.put("interactions", m.interactions());
    root.put("hasTimestamps", m.hasTimestamps());
    var keys = root.putArray("attributeKeys");
    m.attributeKeys().forEach(keys::add);
    root.put("fingerprint", m.fingerprint());
    ObjectNode files = root.putObject("files");
    m.fileSha256().forEach((file, sha) -> files.putObject(file).put("sha256", sha));
    ObjectNode provenance = root.putObject("provenance");
    m.provenance().forEach(provenance::put);
    return root;
  }

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

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  private static String sha256Of(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new DataFormatException(
          file, 0, null, "missing-file", "listed in the manifest but missing");
    }
    MessageDigest sha = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static OutputStream nonClosing(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      return !entries.iterator().hasNext();
    }
  }

  private static void forceDirectory(Path dir) {
    // Makes the renames durable where the platform allows opening a directory; best effort
    // elsewhere.
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("cannot fsync directory {}: {}", dir, e.toString());
    }
  }
}
