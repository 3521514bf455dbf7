package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of Jackson failure (number out of range, parser limits, malformed JSON) in a raw
 * Amazon line becomes a {@link DataFormatException} naming the file and the line, and lenient mode
 * skips the line and goes on.
 */
class BadInputJacksonErrorsTest {

  @TempDir Path dir;

  private static final String META =
      "{\"asin\": \"A1\", \"title\": \"Glue\"}\n{\"asin\": \"A2\", \"title\": \"Tape\"}\n";

  private static String review(String user, String asin, String time) {
    return "{\"reviewerID\": \""
        + user
        + "\", \"asin\": \""
        + asin
        + "\", \"unixReviewTime\": "
        + time
        + ", \"overall\": 5.0}\n";
  }

  /** Three good reviews around a bad second line. */
  private void reviewsWithSecondLine(String bad) throws IOException {
    Files.writeString(dir.resolve("meta_Tools.json"), META);
    Files.writeString(
        dir.resolve("Tools_5.json"),
        review("U1", "A1", "10")
            + bad
            + "\n"
            + review("U1", "A2", "20")
            + review("U2", "A1", "30"));
  }

  private DataFormatException strictFailure() {
    Throwable thrown =
        catchThrowable(() -> new AmazonRawImporter().importFrom(dir, ImportOptions.defaults()));
    assertThat(thrown).isInstanceOf(DataFormatException.class);
    return (DataFormatException) thrown;
  }

  private ImportReport lenientReport() throws IOException {
    ImportResult result = new AmazonRawImporter().importFrom(dir, ImportOptions.lenient());
    assertThat(result.dataset().interactionCount()).isEqualTo(3);
    return result.report();
  }

  @Test
  void integerOverflowNamesFileLineAndField() throws IOException {
    reviewsWithSecondLine(
        "{\"reviewerID\": \"U3\", \"asin\": \"A1\", \"unixReviewTime\": 99999999999999999999}");
    DataFormatException e = strictFailure();
    assertThat(e.getMessage())
        .contains("Tools_5.json, line 2, field 'unixReviewTime': number out of range")
        .contains("99999999999999999999");
    assertThat(e.line()).isEqualTo(2);
    assertThat(lenientReport().count("skipped.bad-value")).isEqualTo(1);
  }

  @Test
  void exponentBeyondDoubleRangeIsNotATimestamp() throws IOException {
    reviewsWithSecondLine("{\"reviewerID\": \"U3\", \"asin\": \"A1\", \"unixReviewTime\": 1e400}");
    assertThat(strictFailure().getMessage())
        .contains(
            "Tools_5.json, line 2, field 'unixReviewTime': expected an integer (seconds since the"
                + " epoch), got 1e400");
    assertThat(lenientReport().count("skipped.bad-value")).isEqualTo(1);
  }

  @Test
  void numberLongerThanTheParserLimit() throws IOException {
    reviewsWithSecondLine(
        "{\"reviewerID\": \"U3\", \"asin\": \"A1\", \"unixReviewTime\": 5, \"overall\": "
            + "9".repeat(1_001)
            + "}");
    DataFormatException e = strictFailure();
    assertThat(e.getMessage())
        .contains("Tools_5.json, line 2: exceeds a JSON parser limit")
        .contains("Number value length (1001) exceeds the maximum allowed (1000");
    assertThat(e.reason()).isEqualTo("json-limit");
    assertThat(lenientReport().count("skipped.json-limit")).isEqualTo(1);
  }

  @Test
  void nestingDeeperThanTheParserLimit() throws IOException {
    reviewsWithSecondLine(
        "{\"reviewerID\": \"U3\", \"asin\": \"A1\", \"unixReviewTime\": 5, \"style\": "
            + "[".repeat(1_500)
            + "]".repeat(1_500)
            + "}");
    assertThat(strictFailure().getMessage())
        .contains("Tools_5.json, line 2: exceeds a JSON parser limit")
        .contains("nesting depth");
    assertThat(lenientReport().count("skipped.json-limit")).isEqualTo(1);
  }

  @Test
  void stringLongerThanTheParserLimitInTheMetadata() throws IOException {
    Files.writeString(
        dir.resolve("Tools_5.json"),
        review("U1", "A1", "10") + review("U1", "A2", "20") + review("U2", "A1", "30"));
    // Jackson's default StreamReadConstraints allow strings of up to 20,000,000 characters.
    String title = "x".repeat(20_000_001);
    Files.writeString(
        dir.resolve("meta_Tools.json"),
        "{\"asin\": \"A1\", \"title\": \"Glue\"}\n{\"asin\": \"A2\", \"title\": \""
            + title
            + "\"}\n");
    DataFormatException e = strictFailure();
    assertThat(e.getMessage())
        .contains("meta_Tools.json, line 2: exceeds a JSON parser limit")
        .contains("String value length (20000001) exceeds the maximum allowed (20000000");
    ImportResult lenient = new AmazonRawImporter().importFrom(dir, ImportOptions.lenient());
    assertThat(lenient.report().count("skipped.json-limit")).isEqualTo(1);
    // A2's metadata line was skipped, so its review is dropped as for an unknown item.
    assertThat(lenient.report().count("dropped.interaction-unknown-item")).isEqualTo(1);
    assertThat(lenient.dataset().interactionCount()).isEqualTo(2);
  }

  @Test
  void malformedJsonNamesTheColumnToo() throws IOException {
    reviewsWithSecondLine("{\"reviewerID\": \"U3\", \"asin\" \"A1\"}");
    assertThat(strictFailure().getMessage())
        .contains("Tools_5.json, line 2: malformed JSON at column 29: Unexpected character");
    assertThat(lenientReport().count("skipped.malformed-json")).isEqualTo(1);
  }

  @Test
  void indexBeyondTheIntegerRangeInAWholeDocumentIsNotWrappedAround() throws IOException {
    // 2^64 + 5 would wrap to index 5 if converted to a long.
    Files.writeString(dir.resolve("smap.json"), "{\"B1\": 0,\n\"B2\": 18446744073709551621}");
    Files.writeString(dir.resolve("umap.json"), "{\"R1\": 0}");
    Files.writeString(dir.resolve("meta_data.json"), "{\"B1\": {\"title\": \"One\"}}");
    Files.writeString(dir.resolve("train.json"), "{\"0\": [0]}");
    Files.writeString(dir.resolve("val.json"), "{}");
    Files.writeString(dir.resolve("test.json"), "{}");
    assertThatThrownBy(
            () -> new RecformerOriginalImporter().importFrom(dir, ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "smap.json, line 2, field 'B2': expected a non-negative integer item index, got"
                + " 18446744073709551621");
  }
}
