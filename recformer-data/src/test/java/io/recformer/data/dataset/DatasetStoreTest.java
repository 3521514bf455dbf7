package io.recformer.data.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.TestData;
import io.recformer.data.importer.Datasets;
import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetStoreTest {

  @TempDir Path dir;

  static Dataset small() {
    ItemCatalog items =
        ItemCatalog.of(
            List.of(
                Item.of(
                    "i1",
                    "title",
                    "Glue \"8oz\"",
                    "brand",
                    "Gorilla",
                    "category",
                    "Tools Adhesives"),
                Item.of("i2", "category", "Tape", "title", "Tape \u00e9\u4e2d\n"),
                Item.of("i3", "title", "Unused")));
    List<UserHistory> users =
        List.of(
            new UserHistory("u1", List.of("i1", "i2", "i1"), List.of(10L, 20L, 20L)),
            new UserHistory("u2", List.of("i2"), List.of(5L)));
    return Dataset.of("small", items, users, Map.of("import.format", "test"));
  }

  @Test
  void roundTripKeepsContentOrderAndFingerprint() throws IOException {
    Dataset dataset = small();
    DatasetManifest manifest = dataset.write(dir.resolve("ds"));
    assertThat(manifest.users()).isEqualTo(2);
    assertThat(manifest.items()).isEqualTo(3);
    assertThat(manifest.interactions()).isEqualTo(4);
    assertThat(manifest.hasTimestamps()).isTrue();
    assertThat(manifest.attributeKeys()).containsExactly("title", "brand", "category");
    Dataset read = Dataset.read(dir.resolve("ds"));
    assertThat(read.fingerprint())
        .isEqualTo(dataset.fingerprint())
        .startsWith("sha256:")
        .hasSize(7 + 64);
    assertThat(read.items().items()).isEqualTo(dataset.items().items());
    // Attribute order is part of the content: i2 keeps category before title.
    assertThat(read.items().get("i2").attributes().get(0).key()).isEqualTo("category");
    assertThat(read.users()).isEqualTo(dataset.users());
    assertThat(read.provenance()).containsEntry("import.format", "test");
    // Only the dataset directory is left: no temporary directories.
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ds");
    }
  }

  @Test
  void fingerprintDependsOnContentNotNameOrProvenance() {
    Dataset dataset = small();
    assertThat(dataset.withName("other").withProvenance(Map.of("x", "y")).fingerprint())
        .isEqualTo(dataset.fingerprint());
    Dataset reordered =
        Dataset.of(
            "small", dataset.items(), List.of(dataset.users().get(1), dataset.users().get(0)));
    assertThat(reordered.fingerprint()).isNotEqualTo(dataset.fingerprint());
    Dataset noTimes =
        Dataset.of(
            "small",
            dataset.items(),
            List.of(
                UserHistory.of("u1", List.of("i1", "i2", "i1")),
                UserHistory.of("u2", List.of("i2"))));
    assertThat(noTimes.fingerprint()).isNotEqualTo(dataset.fingerprint());
    // Length prefixes: moving a character across a value boundary changes the fingerprint.
    Dataset a =
        Dataset.of(
            "x", ItemCatalog.of(List.of(Item.of("i", "title", "ab", "brand", "c"))), List.of());
    Dataset b =
        Dataset.of(
            "x", ItemCatalog.of(List.of(Item.of("i", "title", "a", "brand", "bc"))), List.of());
    assertThat(a.fingerprint()).isNotEqualTo(b.fingerprint());
  }

  @Test
  void bundledDatasetRoundTrips() throws IOException {
    Dataset dataset = Datasets.importAuto(TestData.lcrec()).dataset();
    dataset.write(dir.resolve("lcrec"));
    Dataset read = Dataset.read(dir.resolve("lcrec"));
    assertThat(read.fingerprint()).isEqualTo(dataset.fingerprint());
    assertThat(read.interactionCount()).isEqualTo(58_492);
  }

  @Test
  void rewriteReplacesAnExistingDataset() throws IOException {
    small().write(dir.resolve("ds"));
    Dataset other =
        Dataset.of("other", small().items(), List.of(UserHistory.of("u9", List.of("i3"))));
    other.write(dir.resolve("ds"));
    assertThat(Dataset.read(dir.resolve("ds")).fingerprint()).isEqualTo(other.fingerprint());
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ds");
    }
  }

  @Test
  void refusesToReplaceAForeignDirectory() throws IOException {
    Files.createDirectories(dir.resolve("photos"));
    Files.writeString(dir.resolve("photos/cat.jpg"), "meow");
    assertThatThrownBy(() -> small().write(dir.resolve("photos")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refusing to replace")
        .hasMessageContaining("without a dataset manifest.json");
    assertThat(dir.resolve("photos/cat.jpg")).exists();
  }

  @Test
  void failedWriteKeepsThePreviousDatasetAndLeavesNoTemporaryFiles() throws IOException {
    small().write(dir.resolve("ds"));
    Dataset replacement =
        Dataset.of("other", small().items(), List.of(UserHistory.of("u9", List.of("i3"))));
    assertThatThrownBy(
            () ->
                DatasetStore.write(
                    replacement,
                    dir.resolve("ds"),
                    () -> {
                      throw new IllegalStateException("simulated crash after the data files");
                    }))
        .hasMessage("simulated crash after the data files");
    assertThat(Dataset.read(dir.resolve("ds")).fingerprint()).isEqualTo(small().fingerprint());
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ds");
    }
    // A first write that fails leaves no directory at all.
    assertThatThrownBy(
        () ->
            DatasetStore.write(
                replacement,
                dir.resolve("fresh"),
                () -> {
                  throw new IllegalStateException("crash");
                }));
    assertThat(dir.resolve("fresh")).doesNotExist();
  }

  @Test
  void interruptedWriteIsNotReadable() throws IOException {
    // What an interrupted write leaves: a hidden temp directory with data files but no manifest.
    Path temp = dir.resolve(".ds.tmp-123");
    Files.createDirectories(temp);
    Files.writeString(
        temp.resolve("items.jsonl"), "{\"id\":\"i1\",\"attributes\":{\"title\":\"t\"}}\n");
    assertThatThrownBy(() -> Dataset.read(temp))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "no manifest.json: not a dataset directory, or a write that never completed");
  }

  @Test
  void wrongFormatVersionIsRefusedWithAClearMessage() throws IOException {
    small().write(dir.resolve("ds"));
    Path manifest = dir.resolve("ds/manifest.json");
    Files.writeString(
        manifest,
        Files.readString(manifest).replace("\"formatVersion\" : 1", "\"formatVersion\" : 7"));
    assertThatThrownBy(() -> Dataset.read(dir.resolve("ds")))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "field 'formatVersion': dataset format version 7 is not supported; this recformer-data"
                + " reads version 1 (written by a newer release: upgrade)");
  }

  @Test
  void tamperedDataFileIsDetected() throws IOException {
    small().write(dir.resolve("ds"));
    Path users = dir.resolve("ds/users.jsonl");
    Files.writeString(
        users, Files.readString(users).replace("\"u2\"", "\"u3\""), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Dataset.read(dir.resolve("ds")))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("users.jsonl: SHA-256 is")
        .hasMessageContaining("the file was changed or damaged");
  }

  @Test
  void datasetRejectsUnknownItemsAndDuplicateUsers() {
    ItemCatalog items = ItemCatalog.of(List.of(Item.of("i1", "title", "t")));
    assertThatThrownBy(() -> Dataset.of("d", items, List.of(UserHistory.of("u", List.of("i9")))))
        .hasMessage(
            "user 'u' of dataset 'd' interacted with item 'i9', which is not in the catalog of 1"
                + " items");
    assertThatThrownBy(
            () ->
                Dataset.of(
                    "d",
                    items,
                    List.of(
                        UserHistory.of("u", List.of("i1")), UserHistory.of("u", List.of("i1")))))
        .hasMessage("dataset 'd' has user 'u' twice");
  }
}
