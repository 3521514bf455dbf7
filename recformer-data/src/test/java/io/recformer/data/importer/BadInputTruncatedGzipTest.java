package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.data.TestData;
import io.recformer.data.source.DataFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gzip file cut short loses data silently if accepted: it is an error in strict and lenient mode
 * alike, unless {@link ImportOptions#allowTruncated()} asks to keep the complete lines before the
 * cut.
 */
class BadInputTruncatedGzipTest {

  @TempDir Path dir;

  /** The real Scientific fixture with its review file cut in half. */
  private void halfReviewFile() throws IOException {
    Path fixture =
        TestData.repoRoot()
            .resolve(
                "recformer-data/src/test/resources/fixtures/amazon-raw-gz/Industrial_and_Scientific_5.json.gz");
    byte[] whole = Files.readAllBytes(fixture);
    Files.copy(
        fixture.resolveSibling("meta_Industrial_and_Scientific.json.gz"),
        dir.resolve("meta_Sci.json.gz"));
    Files.write(dir.resolve("Sci_5.json.gz"), Arrays.copyOf(whole, whole.length / 2));
  }

  private ImportResult importRaw(ImportOptions options) throws IOException {
    return new AmazonRawImporter().importFrom(dir, options);
  }

  @Test
  void strictModeFailsNamingTheLastCompleteLine() throws IOException {
    halfReviewFile();
    assertThatThrownBy(() -> importRaw(ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageMatching(
            "(?s).*Sci_5\\.json\\.gz, line (\\d+): gzip stream ends early or is corrupt after line"
                + " \\d+ .*is the file cut short\\?.*--allow-truncated.*");
  }

  @Test
  void lenientModeRefusesItToo() throws IOException {
    halfReviewFile();
    assertThatThrownBy(() -> importRaw(ImportOptions.lenient()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("Sci_5.json.gz, line ")
        .hasMessageContaining("Truncated files are refused even in lenient mode")
        .hasMessageContaining("pass --allow-truncated (ImportOptions.withAllowTruncated)")
        .satisfies(e -> assertThat(((DataFormatException) e).reason()).isEqualTo("truncated-gzip"));
  }

  @Test
  void allowTruncatedKeepsTheCompleteLinesAndCountsTheCut() throws IOException {
    halfReviewFile();
    ImportResult kept = importRaw(ImportOptions.defaults().withAllowTruncated(true));
    assertThat(kept.report().count("skipped.truncated-gzip")).isEqualTo(1);
    assertThat(kept.dataset().provenance().get("import.counts"))
        .contains("skipped.truncated-gzip=1");
    // What was read before the cut is kept: some but not all of the fixture's interactions.
    assertThat(kept.dataset().interactionCount()).isBetween(1L, 400L);
    // Lenient mode with the flag behaves the same.
    assertThat(
            importRaw(ImportOptions.lenient().withAllowTruncated(true))
                .dataset()
                .interactionCount())
        .isEqualTo(kept.dataset().interactionCount());
  }

  @Test
  void truncatedWholeDocumentIsAnErrorEvenWhenAllowed() throws IOException {
    StringBuilder items = new StringBuilder("{\n");
    for (int i = 0; i < 20_000; i++) {
      items.append("\"").append(i).append("\": {\"title\": \"Item number ").append(i);
      items.append(" with a title long enough to fill the stream\"},\n");
    }
    items.append("\"last\": {\"title\": \"Last\"}\n}\n");
    byte[] gzip = gzip(items.toString());
    Files.write(dir.resolve("X.item.json"), Arrays.copyOf(gzip, gzip.length / 2));
    Files.writeString(dir.resolve("X.inter.json"), "{\"u\": [0]}");
    assertThatThrownBy(
            () ->
                new JsonSequenceImporter()
                    .importFrom(dir, ImportOptions.lenient().withAllowTruncated(true)))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("X.item.json, line ")
        .hasMessageContaining("gzip stream ends early or is corrupt after line");
  }

  private static byte[] gzip(String text) throws IOException {
    var bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }
}
