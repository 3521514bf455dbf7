package io.recformer.data.dataset;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the on-disk dataset form (format version 1, documented in docs/formats.md); {@link
 * DatasetReader} reads it.
 */
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

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
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
