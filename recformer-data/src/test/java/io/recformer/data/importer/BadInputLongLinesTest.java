package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
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
 * A line longer than {@link ImportOptions#maxLineBytes()} is a named error (file, line, limit, how
 * to raise it) instead of a line buffer that grows until the JVM runs out of memory; lenient mode
 * skips it, streaming, and counts it.
 */
class BadInputLongLinesTest {

  @TempDir Path dir;

  private static final String META =
      "{\"asin\": \"A1\", \"title\": \"Glue\"}\n{\"asin\": \"A2\", \"title\": \"Tape\"}\n";

  private static String review(String user, String asin, long time) {
    return "{\"reviewerID\": \""
        + user
        + "\", \"asin\": \""
        + asin
        + "\", \"unixReviewTime\": "
        + time
        + "}\n";
  }

  private static String longReview() {
    return "{\"reviewerID\": \"U9\", \"asin\": \"A1\", \"unixReviewTime\": 1, \"reviewText\": \""
        + "y".repeat(5_000)
        + "\"}\n";
  }

  @Test
  void lineOverTheLimitIsANamedErrorOrSkippedWhenLenient() throws IOException {
    Files.writeString(dir.resolve("meta_Tools.json"), META);
    Files.writeString(
        dir.resolve("Tools_5.json"),
        review("U1", "A1", 10) + longReview() + review("U1", "A2", 20) + review("U2", "A1", 30));
    ImportOptions limited = ImportOptions.defaults().withMaxLineBytes(1024);
    assertThatThrownBy(() -> new AmazonRawImporter().importFrom(dir, limited))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("Tools_5.json, line 2: line is longer than the limit of 1024 bytes")
        .hasMessageContaining("raise the limit with --max-line-bytes")
        .satisfies(e -> assertThat(((DataFormatException) e).reason()).isEqualTo("line-too-long"));

    ImportResult lenient =
        new AmazonRawImporter().importFrom(dir, limited.withErrorPolicy(ErrorPolicy.LENIENT));
    assertThat(lenient.report().count("skipped.line-too-long")).isEqualTo(1);
    assertThat(lenient.dataset().interactionCount()).isEqualTo(3);
    // Line numbers after the skipped line stay right: 4 review lines + 2 metadata lines.
    assertThat(lenient.report().linesRead()).isEqualTo(6);

    // The default limit (64 MiB) takes the same file.
    assertThat(
            new AmazonRawImporter()
                .importFrom(dir, ImportOptions.defaults())
                .dataset()
                .interactionCount())
        .isEqualTo(4);
  }

  @Test
  void overLongLastLineWithoutNewlineEndsTheFile() throws IOException {
    Files.writeString(dir.resolve("meta_Tools.json"), META);
    Files.writeString(dir.resolve("Tools_5.json"), review("U1", "A1", 10) + longReview().strip());
    ImportResult lenient =
        new AmazonRawImporter().importFrom(dir, ImportOptions.lenient().withMaxLineBytes(1024));
    assertThat(lenient.report().count("skipped.line-too-long")).isEqualTo(1);
    assertThat(lenient.dataset().interactionCount()).isEqualTo(1);
  }

  @Test
  void hugeCompressedLineIsSkippedWithoutHoldingIt() throws IOException {
    // 200 MB of one line compress to a few hundred KB: the shape of a damaged or unsplit file.
    Files.writeString(dir.resolve("meta_Tools.json"), META);
    try (OutputStream out =
        new GZIPOutputStream(Files.newOutputStream(dir.resolve("Tools_5.json.gz")), 1 << 16)) {
      out.write(review("U1", "A1", 10).getBytes(StandardCharsets.UTF_8));
      byte[] chunk = new byte[1 << 20];
      Arrays.fill(chunk, (byte) 'z');
      for (int i = 0; i < 200; i++) {
        out.write(chunk);
      }
      out.write('\n');
      out.write(review("U2", "A2", 20).getBytes(StandardCharsets.UTF_8));
    }
    ImportResult lenient =
        new AmazonRawImporter().importFrom(dir, ImportOptions.lenient().withMaxLineBytes(4096));
    assertThat(lenient.report().count("skipped.line-too-long")).isEqualTo(1);
    assertThat(lenient.dataset().interactionCount()).isEqualTo(2);
  }

  @Test
  void lineSourceStaysUsableAfterAnOverLongLine() throws IOException {
    Path file = dir.resolve("lines.txt");
    Files.writeString(file, "short\n" + "x".repeat(300_000) + "\nafter\r\n" + "y".repeat(100));
    try (LineSource lines = LineSource.open(file, 100)) {
      assertThat(lines.next()).isTrue();
      assertThat(lines.text()).isEqualTo("short");
      assertThatThrownBy(lines::next)
          .hasMessageContaining("lines.txt, line 2: line is longer than the limit of 100 bytes");
      assertThat(lines.next()).isTrue();
      assertThat(lines.text()).isEqualTo("after");
      assertThat(lines.lineNumber()).isEqualTo(3);
      assertThat(lines.next()).isTrue();
      assertThat(lines.text()).hasSize(100);
      assertThat(lines.next()).isFalse();
    }
  }

  @Test
  void otherLineFormatsHonourTheLimitToo() throws IOException {
    Files.writeString(dir.resolve("X.item"), "item_id:token\ttitle:token_seq\nA1\tGlue\n");
    Files.writeString(
        dir.resolve("X.inter"),
        "user_id:token\titem_id:token\nU1\tA1\nU2\t" + "A".repeat(2_000) + "\nU3\tA1\n");
    ImportOptions limited = ImportOptions.defaults().withMaxLineBytes(1024);
    assertThatThrownBy(() -> new RecBoleImporter().importFrom(dir, limited))
        .hasMessageContaining("X.inter, line 3: line is longer than the limit of 1024 bytes");
    ImportResult lenient =
        new RecBoleImporter().importFrom(dir, limited.withErrorPolicy(ErrorPolicy.LENIENT));
    assertThat(lenient.report().count("skipped.line-too-long")).isEqualTo(1);
    assertThat(lenient.dataset().userCount()).isEqualTo(2);
  }

  @Test
  void limitIsValidated() {
    assertThatThrownBy(() -> ImportOptions.defaults().withMaxLineBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxLineBytes = 0 must be between 1 and 2147483639");
    assertThat(ImportOptions.defaults().maxLineBytes()).isEqualTo(64L << 20);
  }
}
