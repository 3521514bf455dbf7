package io.recformer.data.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.source.DataFormatException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures while writing or reading a dataset that are not bad input: a full disk and a directory
 * nobody may write name the file and the reason, and leave no output directory behind. Reading
 * applies the same strict JSON rules as the importers.
 */
class BadInputWriteFailureTest {

  @TempDir Path dir;

  private static Dataset small() {
    ItemCatalog items =
        ItemCatalog.of(
            List.of(
                new Item("i1", List.of(new ItemAttribute("title", "Glue"))),
                new Item("i2", List.of(new ItemAttribute("title", "Tape")))));
    return Dataset.of("small", items, List.of(UserHistory.of("u1", List.of("i1", "i2"))));
  }

  private List<String> entries() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  @Test
  void fullDiskNamesTheDatasetAndFileAndLeavesNothing() throws IOException {
    Path full = Path.of("/dev/full");
    assumeThat(Files.isWritable(full)).as("/dev/full (Linux)").isTrue();
    // Every data byte goes to /dev/full, whose writes fail with ENOSPC as on a full disk.
    try (OutputStream disk = new FileOutputStream(full.toFile())) {
      Path target = dir.resolve("ds");
      assertThatThrownBy(() -> DatasetStore.write(small(), target, () -> {}, out -> disk))
          .isInstanceOf(FileSystemException.class)
          .hasMessageContaining(target.toString())
          .hasMessageContaining("cannot write the dataset's items.jsonl: No space left on device");
      assertThat(target).doesNotExist();
      assertThat(entries()).isEmpty();
    }
  }

  @Test
  void fullDiskWhenReplacingKeepsThePreviousDataset() throws IOException {
    Path full = Path.of("/dev/full");
    assumeThat(Files.isWritable(full)).as("/dev/full (Linux)").isTrue();
    Path target = dir.resolve("ds");
    small().write(target);
    Dataset other = small().withName("other");
    try (OutputStream disk = new FileOutputStream(full.toFile())) {
      assertThatThrownBy(() -> DatasetStore.write(other, target, () -> {}, out -> disk))
          .hasMessageContaining("No space left on device");
    }
    assertThat(Dataset.read(target).name()).isEqualTo("small");
    assertThat(entries()).containsExactly("ds");
  }

  @Test
  void directoryNobodyMayWriteIsAFileSystemErrorAndLeavesNothing() {
    // Root may write anywhere on a normal file system, but not into sysfs.
    Path sys = Path.of("/sys");
    assumeThat(Files.isDirectory(sys)).as("/sys (Linux)").isTrue();
    Path target = sys.resolve("recformer-dataset-test");
    assertThatThrownBy(() -> small().write(target))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("/sys/")
        .satisfies(e -> assertThat(((FileSystemException) e).getReason()).isNotBlank());
    assertThat(target).doesNotExist();
  }

  @Test
  void duplicateKeysInASavedDatasetAreRefused() throws IOException {
    Path target = dir.resolve("ds");
    small().write(target);
    Path manifest = target.resolve(DatasetStore.MANIFEST);
    String text = Files.readString(manifest);
    Files.writeString(manifest, text.replaceFirst("\n", "\n  \"name\" : \"impostor\",\n"));
    assertThatThrownBy(() -> Dataset.read(target))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("manifest.json, line 5, field 'name': duplicate key 'name'");
  }
}
