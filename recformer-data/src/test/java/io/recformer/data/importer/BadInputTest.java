package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.data.TestData;
import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input: strict mode (the default) fails with an error naming file, line and field; lenient
 * mode skips and counts. One test per kind of damage.
 */
class BadInputTest {

  @TempDir Path dir;

  private static final String META =
      """
      {"title": "Glue", "brand": "Gorilla", "category": ["Tools", "Adhesives"], "asin": "A1"}
      {"title": "Tape", "brand": "3M", "category": ["Tools"], "asin": "A2"}\
      """
          + "\n";

  private static String review(String user, String asin, long time) {
    return "{\"reviewerID\": \""
        + user
        + "\", \"asin\": \""
        + asin
        + "\", \"unixReviewTime\": "
        + time
        + ", \"overall\": 5.0}";
  }

  private Path rawDir(String reviews) throws IOException {
    Files.writeString(dir.resolve("meta_Tools.json"), META, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("Tools_5.json"), reviews, StandardCharsets.UTF_8);
    return dir;
  }

  private static ImportResult importRaw(Path directory, ImportOptions options) throws IOException {
    return new AmazonRawImporter().importFrom(directory, options);
  }

  @Test
  void malformedJsonLineNamesFileAndLine() throws IOException {
    rawDir(
        review("U1", "A1", 10)
            + "\n"
            + review("U1", "A2", 20)
            + "\n{\"reviewerID\": \"U2\", \"asin\": \n"
            + review("U2", "A1", 30)
            + "\n");
    assertThatThrownBy(() -> importRaw(dir, ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("Tools_5.json, line 3: malformed JSON");
    ImportResult lenient = importRaw(dir, ImportOptions.lenient());
    assertThat(lenient.report().count("skipped.malformed-json")).isEqualTo(1);
    assertThat(lenient.report().skippedLines()).isEqualTo(1);
    assertThat(lenient.dataset().interactionCount()).isEqualTo(3);
  }

  @Test
  void missingRequiredFieldNamesTheField() throws IOException {
    rawDir(review("U1", "A1", 10) + "\n{\"asin\": \"A2\", \"unixReviewTime\": 20}\n");
    assertThatThrownBy(() -> importRaw(dir, ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("line 2, field 'reviewerID': required field is missing")
        .satisfies(
            e -> {
              DataFormatException d = (DataFormatException) e;
              assertThat(d.line()).isEqualTo(2);
              assertThat(d.field()).isEqualTo("reviewerID");
              assertThat(d.file().getFileName().toString()).isEqualTo("Tools_5.json");
            });
    assertThat(importRaw(dir, ImportOptions.lenient()).report().count("skipped.missing-field"))
        .isEqualTo(1);
  }

  @Test
  void wrongTypeOfFieldIsReported() throws IOException {
    rawDir(
        review("U1", "A1", 10)
            + "\n{\"reviewerID\": \"U1\", \"asin\": \"A2\", \"unixReviewTime\": \"yesterday\"}\n");
    assertThatThrownBy(() -> importRaw(dir, ImportOptions.defaults()))
        .hasMessageContaining("line 2, field 'unixReviewTime': expected an integer");
  }

  @Test
  void unknownItemsInRawReviewsAreDroppedAndCounted() throws IOException {
    ImportResult result =
        importRaw(
            rawDir(
                review("U1", "A1", 10)
                    + "\n"
                    + review("U1", "ZZZ", 20)
                    + "\n"
                    + review("U2", "ZZZ", 30)
                    + "\n"),
            ImportOptions.defaults());
    assertThat(result.report().count("dropped.interaction-unknown-item")).isEqualTo(2);
    assertThat(result.report().count("dropped.user-without-known-items")).isEqualTo(1);
    assertThat(result.dataset().interactionCount()).isEqualTo(1);
  }

  @Test
  void unknownIdsInProcessedFormsAreErrors() throws IOException {
    Files.writeString(
        dir.resolve("X.item.json"), "{\"0\": {\"title\": \"Glue\"}, \"1\": {\"title\": \"Tape\"}}");
    Files.writeString(dir.resolve("X.inter.json"), "{\n\"u1\": [0, 1],\n\"u2\": [1, 7]\n}\n");
    assertThatThrownBy(() -> new JsonSequenceImporter().importFrom(dir, ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "X.inter.json, line 3, field 'items of user 'u2'': item id '7' is not in X.item.json");
    ImportResult lenient = new JsonSequenceImporter().importFrom(dir, ImportOptions.lenient());
    assertThat(lenient.report().count("skipped.unknown-item")).isEqualTo(1);
    assertThat(lenient.dataset().userCount()).isEqualTo(1);
  }

  @Test
  void unknownItemIndexInUniSRecFilesNamesLineAndField() throws IOException {
    Path copy = copyUniSRec();
    List<String> lines = Files.readAllLines(copy.resolve("Scientific.test.inter"));
    lines.set(2, lines.get(2).replaceFirst("\t(\\d+)$", "\t99999"));
    Files.write(copy.resolve("Scientific.test.inter"), lines);
    assertThatThrownBy(() -> new UniSRecImporter().importFrom(copy, ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "Scientific.test.inter, line 3, field 'item_id': item index 99999 is not in the"
                + " item2index file");
    ImportResult lenient = new UniSRecImporter().importFrom(copy, ImportOptions.lenient());
    assertThat(lenient.report().count("skipped.unknown-item")).isEqualTo(1);
    // The user whose test row was lost has no test row left: counted as inconsistent, the rest
    // import.
    assertThat(lenient.report().count("skipped.inconsistent")).isEqualTo(1);
    assertThat(lenient.dataset().userCount()).isEqualTo(8_441);
  }

  @Test
  void inconsistentUniSRecRowsAreDetected() throws IOException {
    Path copy = copyUniSRec();
    List<String> lines = Files.readAllLines(copy.resolve("Scientific.valid.inter"));
    // User 0's validation history loses its first item: it no longer continues the train sequence.
    lines.set(1, lines.get(1).replaceFirst("\t0 ", "\t"));
    Files.write(copy.resolve("Scientific.valid.inter"), lines);
    assertThatThrownBy(() -> new UniSRecImporter().importFrom(copy, ImportOptions.defaults()))
        .hasMessageContaining("Scientific.valid.inter, line 2, field 'item_id_list'")
        .hasMessageContaining("is not the end of the train sequence");
  }

  @Test
  void malformedCsvLineAndWrongHeader() throws IOException {
    Files.writeString(dir.resolve("meta_Tools.json"), META);
    Files.writeString(dir.resolve("Tools.csv"), "A1,U1,5.0,10\nA2,U1,5.0\nA2,U2,4.0,20\n");
    assertThatThrownBy(() -> importRaw(dir, ImportOptions.defaults()))
        .hasMessageContaining(
            "Tools.csv, line 2: expected 4 comma-separated fields (item,user,rating,timestamp), got"
                + " 3");
    assertThat(importRaw(dir, ImportOptions.lenient()).report().count("skipped.malformed-csv"))
        .isEqualTo(1);

    Files.writeString(dir.resolve("Tools.csv"), "A1,U1,5.0,soon\n");
    assertThatThrownBy(() -> importRaw(dir, ImportOptions.defaults()))
        .hasMessageContaining(
            "line 1: header is 'A1,U1,5.0,soon', expected 'item,user,rating,timestamp' or no"
                + " header");

    Files.writeString(dir.resolve("Tools.csv"), "user,item,rating,timestamp\nU1,A1,5.0,10\n");
    // A wrong header means a wrong file or column order: lenient mode refuses it too.
    assertThatThrownBy(() -> importRaw(dir, ImportOptions.lenient()))
        .hasMessageContaining("header is 'user,item,rating,timestamp'");

    Files.writeString(
        dir.resolve("Tools.csv"), "item,user,rating,timestamp\nA1,U1,5.0,10\nA2,U1,4.0,x\n");
    assertThatThrownBy(() -> importRaw(dir, ImportOptions.defaults()))
        .hasMessageContaining("line 3, field 'timestamp': expected an integer");
  }

  @Test
  void wrongRecBoleHeader() throws IOException {
    Files.writeString(dir.resolve("X.item"), "item_id:token\ttitle:token_seq\nA1\tGlue\n");
    Files.writeString(dir.resolve("X.inter"), "user_id:token\tproduct:token\nU1\tA1\n");
    assertThatThrownBy(() -> new RecBoleImporter().importFrom(dir, ImportOptions.defaults()))
        .hasMessageContaining(
            "X.inter, line 1, field 'item_id': header 'user_id:token\tproduct:token' has no column"
                + " 'item_id'");
    Files.writeString(dir.resolve("X.inter"), "user_id\titem_id\nU1\tA1\n");
    assertThatThrownBy(() -> new RecBoleImporter().importFrom(dir, ImportOptions.lenient()))
        .hasMessageContaining(
            "X.inter, line 1: header column 'user_id' is not of the form name:type");
  }

  @Test
  void emptyFiles() throws IOException {
    rawDir("");
    assertThatThrownBy(() -> importRaw(dir, ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("Tools_5.json: the review file is empty");
    Files.writeString(dir.resolve("X.item.json"), "");
    Files.writeString(dir.resolve("X.inter.json"), "{}");
    assertThatThrownBy(() -> new JsonSequenceImporter().importFrom(dir, ImportOptions.lenient()))
        .hasMessageContaining("X.item.json: the file is empty");
    Files.writeString(dir.resolve("X.item"), "");
    Files.writeString(dir.resolve("X.inter"), "user_id:token\titem_id:token\n");
    assertThatThrownBy(() -> new RecBoleImporter().importFrom(dir, ImportOptions.defaults()))
        .hasMessageContaining("X.item: the file is empty; expected a RecBole header line");
  }

  @Test
  void nonUtf8BytesAreReportedWithTheirLine() throws IOException {
    byte[] good = (review("U1", "A1", 10) + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] bad = (review("U1", "A2", 20) + "\n").getBytes(StandardCharsets.UTF_8);
    bad[16] = (byte) 0xff;
    Files.writeString(dir.resolve("meta_Tools.json"), META);
    byte[] all = new byte[good.length * 2 + bad.length];
    System.arraycopy(good, 0, all, 0, good.length);
    System.arraycopy(bad, 0, all, good.length, bad.length);
    System.arraycopy(good, 0, all, good.length + bad.length, good.length);
    Files.write(dir.resolve("Tools_5.json"), all);
    assertThatThrownBy(() -> importRaw(dir, ImportOptions.defaults()))
        .hasMessageContaining(
            "Tools_5.json, line 2: invalid UTF-8 byte 0xff at byte 17 of the line");
    ImportResult lenient = importRaw(dir, ImportOptions.lenient());
    assertThat(lenient.report().count("skipped.invalid-utf8")).isEqualTo(1);
    assertThat(lenient.dataset().interactionCount()).isEqualTo(2);

    // Whole-document JSON files report the line of the bad byte too.
    byte[] json =
        "{\n\"0\": {\"title\": \"Glue\"},\n\"1\": {\"title\": \"T?pe\"}\n}"
            .getBytes(StandardCharsets.UTF_8);
    json[json.length - 8] = (byte) 0xc3;
    Files.write(dir.resolve("X.item.json"), json);
    Files.writeString(dir.resolve("X.inter.json"), "{\"u\": [0]}");
    assertThatThrownBy(() -> new JsonSequenceImporter().importFrom(dir, ImportOptions.defaults()))
        .hasMessageContaining("X.item.json, line 3: invalid UTF-8 byte 0xc3");
  }

  @Test
  void malformedWholeDocumentJsonNamesTheLine() throws IOException {
    Files.writeString(
        dir.resolve("X.item.json"),
        "{\n\"0\": {\"title\": \"Glue\"},\n\"1\": {\"title\" \"Tape\"}\n}");
    Files.writeString(dir.resolve("X.inter.json"), "{\"u\": [0]}");
    assertThatThrownBy(() -> new JsonSequenceImporter().importFrom(dir, ImportOptions.lenient()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("X.item.json, line 3: malformed JSON");
  }

  private Path copyUniSRec() throws IOException {
    Path copy = dir.resolve("unisrec");
    Files.createDirectories(copy);
    try (var files = Files.list(TestData.unisrec())) {
      for (Path file : files.toList()) {
        Files.copy(file, copy.resolve(file.getFileName()));
      }
    }
    return copy;
  }
}
