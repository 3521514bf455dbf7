package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Duplicate keys and repeated rows: JSON parsers keep the last of two equal keys, which would
 * silently replace an item's metadata or shift a user's leave-one-out targets. Every JSON input is
 * parsed with duplicate detection, and a second row for one user is refused.
 */
class BadInputDuplicateKeysTest {

  @TempDir Path dir;

  private static final String META =
      "{\n\"B1\": {\"title\": \"One\"},\n\"B2\": {\"title\": \"Two\"},\n\"B3\": {\"title\":"
          + " \"Three\"}\n}\n";

  private void original(String train, String val, String test, String meta) throws IOException {
    Files.writeString(dir.resolve("smap.json"), "{\"B1\": 0, \"B2\": 1, \"B3\": 2}");
    Files.writeString(dir.resolve("umap.json"), "{\"R1\": 0, \"R2\": 1}");
    Files.writeString(dir.resolve("meta_data.json"), meta);
    Files.writeString(dir.resolve("train.json"), train);
    Files.writeString(dir.resolve("val.json"), val);
    Files.writeString(dir.resolve("test.json"), test);
  }

  private ImportResult importOriginal(ImportOptions options) throws IOException {
    return new RecformerOriginalImporter().importFrom(dir, options);
  }

  @Test
  void secondValidationRowUnderTheSameKeyIsRefused() throws IOException {
    original("{\"0\": [0, 1]}", "{\n\"0\": [2],\n\"0\": [1]\n}", "{\"0\": [0]}", META);
    assertThatThrownBy(() -> importOriginal(ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("val.json, line 3, field '0': duplicate key '0' at column")
        .satisfies(e -> assertThat(((DataFormatException) e).reason()).isEqualTo("duplicate-key"));
    // No next line to resume at in a whole-document file: lenient mode refuses it too.
    assertThatThrownBy(() -> importOriginal(ImportOptions.lenient()))
        .hasMessageContaining("val.json, line 3, field '0': duplicate key '0'");
  }

  @Test
  void secondValidationRowUnderAnotherSpellingOfTheIndexIsRefused() throws IOException {
    original("{\"0\": [0, 1]}", "{\n\"0\": [2],\n\"00\": [1]\n}", "{\"0\": [0]}", META);
    assertThatThrownBy(() -> importOriginal(ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "val.json, line 3, field 'user': user index 0 has a second row (its first is on line"
                + " 2); expected one row per user");
    // Lenient: the second row is skipped, the first target kept: train + val + test as published.
    ImportResult lenient = importOriginal(ImportOptions.lenient());
    assertThat(lenient.report().count("skipped.duplicate-user")).isEqualTo(1);
    assertThat(lenient.dataset().users().get(0).itemIds()).containsExactly("B1", "B2", "B3", "B1");
  }

  @Test
  void secondTestRowAndSecondTrainRowAreRefused() throws IOException {
    original("{\"0\": [0, 1]}", "{\"0\": [2]}", "{\n\"0\": [0],\n\"000\": [1]\n}", META);
    assertThatThrownBy(() -> importOriginal(ImportOptions.defaults()))
        .hasMessageContaining("test.json, line 3, field 'user': user index 0 has a second row");
    original("{\n\"0\": [0, 1],\n\"0\": [2]\n}", "{\"0\": [2]}", "{\"0\": [0]}", META);
    assertThatThrownBy(() -> importOriginal(ImportOptions.defaults()))
        .hasMessageContaining("train.json, line 3, field '0': duplicate key '0'");
  }

  @Test
  void testTargetWithoutValidationTargetAndTheReverseAreRefused() throws IOException {
    original("{\"0\": [0, 1], \"1\": [1]}", "{\"0\": [2]}", "{\"0\": [0], \"1\": [2]}", META);
    assertThatThrownBy(() -> importOriginal(ImportOptions.defaults()))
        .hasMessageContaining(
            "test.json, line 1, field 'user': user index 1 has a test target but no validation"
                + " target in val.json");

    original("{\"0\": [0, 1], \"1\": [1, 0]}", "{\"0\": [2], \"1\": [2]}", "{\"0\": [0]}", META);
    assertThatThrownBy(() -> importOriginal(ImportOptions.defaults()))
        .hasMessageContaining(
            "val.json, line 1, field 'user': user 'R2' has a validation target but no test target"
                + " in test.json");
    // Lenient: R2 keeps its training items only, so its validation item is not taken for a test.
    ImportResult lenient = importOriginal(ImportOptions.lenient());
    assertThat(lenient.report().count("skipped.inconsistent")).isEqualTo(1);
    assertThat(lenient.dataset().users().get(1).itemIds()).containsExactly("B2", "B1");
  }

  @Test
  void duplicateItemInOriginalMetadataIsRefused() throws IOException {
    String meta =
        "{\n\"B1\": {\"title\": \"One\"},\n\"B2\": {\"title\": \"Two\"},\n\"B1\": {\"title\":"
            + " \"Impostor\"},\n\"B3\": {\"title\": \"Three\"}\n}";
    original("{\"0\": [0, 1]}", "{\"0\": [2]}", "{\"0\": [0]}", meta);
    assertThatThrownBy(() -> importOriginal(ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("meta_data.json, line 4, field 'B1': duplicate key 'B1'");
    // A repeated key inside an entry too.
    original(
        "{\"0\": [0, 1]}",
        "{\"0\": [2]}",
        "{\"0\": [0]}",
        "{\"B1\": {\"title\": \"One\"},\n\"B2\": {\"title\": \"Two\", \"title\": \"Deux\"},"
            + " \"B3\": {\"title\": \"Three\"}}");
    assertThatThrownBy(() -> importOriginal(ImportOptions.defaults()))
        .hasMessageContaining("meta_data.json, line 2, field 'title': duplicate key 'title'");
  }

  @Test
  void duplicateAsinInSmapIsRefused() throws IOException {
    original("{\"0\": [0, 1]}", "{\"0\": [2]}", "{\"0\": [0]}", META);
    Files.writeString(dir.resolve("smap.json"), "{\"B1\": 0,\n \"B2\": 1,\n \"B1\": 2}");
    assertThatThrownBy(() -> importOriginal(ImportOptions.defaults()))
        .hasMessageContaining("smap.json, line 3, field 'B1': duplicate key 'B1'");
  }

  @Test
  void duplicateKeysInJsonSequenceFilesAreRefused() throws IOException {
    Files.writeString(
        dir.resolve("X.item.json"),
        "{\n\"0\": {\"title\": \"Glue\"},\n\"0\": {\"title\": \"Tape\"}\n}");
    Files.writeString(dir.resolve("X.inter.json"), "{\"u1\": [0]}");
    assertThatThrownBy(() -> new JsonSequenceImporter().importFrom(dir, ImportOptions.lenient()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("X.item.json, line 3, field '0': duplicate key '0'");
    Files.writeString(dir.resolve("X.item.json"), "{\"0\": {\"title\": \"Glue\"}}");
    Files.writeString(dir.resolve("X.inter.json"), "{\n\"u1\": [0],\n\"u1\": [0, 0]\n}");
    assertThatThrownBy(() -> new JsonSequenceImporter().importFrom(dir, ImportOptions.defaults()))
        .hasMessageContaining("X.inter.json, line 3, field 'u1': duplicate key 'u1'");
  }

  @Test
  void duplicateKeyInARawReviewLineIsSkippedOnlyInLenientMode() throws IOException {
    Files.writeString(
        dir.resolve("meta_Tools.json"),
        "{\"asin\": \"A1\", \"title\": \"Glue\"}\n{\"asin\": \"A2\", \"title\": \"Tape\"}\n");
    Files.writeString(
        dir.resolve("Tools_5.json"),
        "{\"reviewerID\": \"U1\", \"asin\": \"A1\", \"unixReviewTime\": 10}\n"
            + "{\"reviewerID\": \"U1\", \"asin\": \"A1\", \"asin\": \"A2\", \"unixReviewTime\":"
            + " 20}\n"
            + "{\"reviewerID\": \"U2\", \"asin\": \"A2\", \"unixReviewTime\": 30}\n");
    AmazonRawImporter importer = new AmazonRawImporter();
    assertThatThrownBy(() -> importer.importFrom(dir, ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("Tools_5.json, line 2, field 'asin': duplicate key 'asin' at column")
        .satisfies(e -> assertThat(((DataFormatException) e).line()).isEqualTo(2));
    ImportResult lenient = importer.importFrom(dir, ImportOptions.lenient());
    assertThat(lenient.report().count("skipped.duplicate-key")).isEqualTo(1);
    assertThat(lenient.dataset().interactionCount()).isEqualTo(2);

    // In the metadata, and inside a nested value the importer does not read.
    Files.writeString(
        dir.resolve("Tools_5.json"),
        "{\"reviewerID\": \"U1\", \"asin\": \"A1\", \"unixReviewTime\": 10}\n");
    Files.writeString(
        dir.resolve("meta_Tools.json"),
        "{\"asin\": \"A1\", \"title\": \"Glue\", \"details\": {\"w\": 1, \"w\": 2}}\n");
    assertThatThrownBy(() -> importer.importFrom(dir, ImportOptions.defaults()))
        .hasMessageContaining("meta_Tools.json, line 1, field 'w': duplicate key 'w'");
  }
}
