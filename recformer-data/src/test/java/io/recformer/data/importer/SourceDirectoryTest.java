package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detection by prefix and suffix, and the messages that refuse a directory. */
class SourceDirectoryTest {

  @TempDir Path dir;

  private void touch(String... names) throws IOException {
    for (String name : names) {
      Files.writeString(dir.resolve(name), "x");
    }
  }

  @Test
  void prefixesAreSortedAndDirectoriesAreNotFiles() throws IOException {
    touch("B.inter", "A.inter", "A.item", "notes.txt");
    Files.createDirectory(dir.resolve("C.inter"));
    SourceDirectory files = SourceDirectory.list(dir);

    assertThat(files.prefixes(".inter")).containsExactly("A", "B");
    assertThat(files.endingWith(".item")).containsExactly("A.item");
    assertThat(files.hasFile("A.item")).isTrue();
    assertThat(files.hasFile("C.inter")).isFalse();
    assertThat(files.missing("B", List.of(".item", ".inter"))).containsExactly("B.item");
    assertThat(files.missing("A", List.of(".item", ".inter"))).isEmpty();
  }

  @Test
  void aMissingDirectoryListsNothing() throws IOException {
    SourceDirectory files = SourceDirectory.list(dir.resolve("absent"));

    assertThat(files.prefixes(".inter")).isEmpty();
    assertThat(files.single(n -> true, "files ", "")).isNull();
  }

  @Test
  void singleMatchesLowerCasedNamesAndRefusesSeveral() throws IOException {
    touch("Meta_Tools.JSON", "Tools.json", "Toys.csv");
    SourceDirectory files = SourceDirectory.list(dir);

    assertThat(files.single(n -> n.startsWith("meta"), "candidate files ", "; pick one"))
        .isEqualTo(dir.resolve("Meta_Tools.JSON"));
    assertThatThrownBy(
            () -> files.single(n -> !n.startsWith("meta"), "candidate files ", "; pick one"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "directory "
                + dir
                + " holds several candidate files ["
                + dir.resolve("Tools.json")
                + ", "
                + dir.resolve("Toys.csv")
                + "]; pick one");
  }

  @Test
  void atMostOneNamesEveryCandidate() throws IOException {
    SourceDirectory files = SourceDirectory.list(dir);

    assertThat(files.atMostOne(List.of(), "RecBole datasets")).isNull();
    assertThat(files.atMostOne(List.of("A"), "RecBole datasets")).isEqualTo("A");
    assertThatThrownBy(() -> files.atMostOne(List.of("A", "B"), "RecBole datasets"))
        .hasMessage("directory " + dir + " holds several RecBole datasets: [A, B]");
  }

  @Test
  void holdsNoSaysWhatWasFoundAndWhatNot() throws IOException {
    SourceDirectory files = SourceDirectory.list(dir);

    assertThat(files.holdsNo("RecBole files", "expected X.inter and X.item", List.of(), List.of()))
        .hasMessage("directory " + dir + " holds no RecBole files: expected X.inter and X.item");
    assertThat(
            files.holdsNo(
                "UniSRec files",
                "expected X.train.inter and more",
                List.of("S.train.inter"),
                List.of("S.text", "S.user2index")))
        .hasMessage(
            "directory "
                + dir
                + " holds no UniSRec files: expected X.train.inter and more;"
                + " found S.train.inter but not S.text, S.user2index");
  }

  @Test
  void importersSayWhichFileIsMissing() throws IOException {
    touch("Shop.inter");
    assertThatThrownBy(() -> new RecBoleImporter().importFrom(dir, ImportOptions.defaults()))
        .hasMessageEndingWith(
            "holds no RecBole files: expected X.inter and X.item; found Shop.inter but not"
                + " Shop.item");

    touch("Shop.train.inter", "Shop.valid.inter", "Shop.text");
    assertThatThrownBy(() -> new UniSRecImporter().importFrom(dir, ImportOptions.defaults()))
        .hasMessageEndingWith(
            "; found Shop.train.inter but not Shop.test.inter, Shop.item2index, Shop.user2index");

    touch("meta_Shop.json");
    assertThatThrownBy(() -> new AmazonRawImporter().importFrom(dir, ImportOptions.defaults()))
        .hasMessageEndingWith("; found meta_Shop.json but not a review file");

    touch("Shop.item.json");
    assertThatThrownBy(() -> new JsonSequenceImporter().importFrom(dir, ImportOptions.defaults()))
        .hasMessageEndingWith("; found Shop.item.json but not *inter.json");
  }
}
