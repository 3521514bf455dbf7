package io.recformer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tool as a separate JVM, for what only a real process shows: a real out-of-memory error ends
 * with one line and exit 1 rather than a stack trace or a hang, an over-long line is skipped in a
 * small heap, and {@code data stats} leaves no temporary files.
 */
class BadInputProcessTest {

  @TempDir Path temp;

  private record Result(int exitCode, String out, String err) {}

  private Result recformer(String heap, String... args) throws IOException, InterruptedException {
    Path tmp = temp.resolve("tmp");
    Files.createDirectories(tmp);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-Xmx" + heap,
            "-Xss4m",
            "-Dai.djl.offline=true",
            "-Djava.io.tmpdir=" + tmp,
            "-cp",
            System.getProperty("java.class.path"),
            RecformerCli.class.getName()));
    command.addAll(Arrays.asList(args));
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(temp.resolve("stdout.txt").toFile())
            .redirectError(temp.resolve("stderr.txt").toFile())
            .start();
    // A hang is a failure too: the tool must end on its own.
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the tool ended in time").isTrue();
    return new Result(
        process.exitValue(),
        Files.readString(temp.resolve("stdout.txt")),
        Files.readString(temp.resolve("stderr.txt")));
  }

  /** A raw Amazon source whose second review line is {@code megabytes} MiB long, gzip. */
  private Path sourceWithHugeLine(int megabytes) throws IOException {
    Path src = temp.resolve("src");
    Files.createDirectories(src);
    Files.writeString(
        src.resolve("meta_Tools.json"),
        "{\"asin\": \"A1\", \"title\": \"Glue\"}\n{\"asin\": \"A2\", \"title\": \"Tape\"}\n");
    try (OutputStream out =
        new GZIPOutputStream(Files.newOutputStream(src.resolve("Tools_5.json.gz")), 1 << 16)) {
      out.write(
          "{\"reviewerID\": \"U1\", \"asin\": \"A1\", \"unixReviewTime\": 10}\n"
              .getBytes(StandardCharsets.UTF_8));
      byte[] chunk = new byte[1 << 20];
      Arrays.fill(chunk, (byte) ' ');
      for (int i = 0; i < megabytes; i++) {
        out.write(chunk);
      }
      out.write(
          "\n{\"reviewerID\": \"U2\", \"asin\": \"A2\", \"unixReviewTime\": 20}\n"
              .getBytes(StandardCharsets.UTF_8));
    }
    return src;
  }

  @Test
  void realOutOfMemoryEndsWithOneLineAndExitOne() throws Exception {
    Path src = sourceWithHugeLine(96);
    Path out = temp.resolve("out");
    Result run =
        recformer(
            "48m",
            "data",
            "import",
            src.toString(),
            "--out",
            out.toString(),
            "--max-line-bytes",
            "2000000000");
    assertThat(run.exitCode()).as(run.err()).isEqualTo(RecformerCli.EXIT_INTERNAL);
    List<String> report = run.err().lines().filter(l -> l.startsWith("recformer:")).toList();
    assertThat(report)
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .startsWith("recformer: out of memory (Java heap space) with a maximum heap"));
    assertThat(run.err()).doesNotContain("\tat ", "Exception in thread");
    assertThat(out).doesNotExist();
  }

  @Test
  void overLongLineIsSkippedInASmallHeap() throws Exception {
    Path src = sourceWithHugeLine(96);
    Path out = temp.resolve("out");
    Result run =
        recformer(
            "48m",
            "data",
            "import",
            src.toString(),
            "--out",
            out.toString(),
            "--lenient",
            "--max-line-bytes",
            "4096");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).contains("line 2: line is longer than the limit of 4096 bytes");
    assertThat(run.out()).contains("| interactions | 2 |");
  }

  @Test
  void statsLeavesNoTemporaryFiles() throws Exception {
    Path src = sourceWithHugeLine(0);
    Result run = recformer("512m", "data", "stats", src.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("| interactions | 2 |", "tokens per item");
    try (Stream<Path> left = Files.list(temp.resolve("tmp"))) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .noneMatch(name -> name.startsWith("recformer"));
    }
  }
}
