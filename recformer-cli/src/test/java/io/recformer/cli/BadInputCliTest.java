package io.recformer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.recformer.cli.CliRunner.Run;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.ImportOptions;
import io.recformer.data.importer.ProgressListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Bad input and failures through the tool: bad input exits 2, other I/O failures and errors exit 1,
 * each with one line on standard error naming the file and what is wrong, and a failed import
 * leaves no output directory.
 */
class BadInputCliTest {

  @TempDir Path temp;

  private static final String META =
      "{\"asin\": \"A1\", \"title\": \"Glue\"}\n{\"asin\": \"A2\", \"title\": \"Tape\"}\n";

  private static String review(String user, String asin, String time) {
    return "{\"reviewerID\": \""
        + user
        + "\", \"asin\": \""
        + asin
        + "\", \"unixReviewTime\": "
        + time
        + "}\n";
  }

  /** A raw Amazon source whose second review line is {@code bad}. */
  private Path source(String bad) throws Exception {
    Path src = temp.resolve("src");
    Files.createDirectories(src);
    Files.writeString(src.resolve("meta_Tools.json"), META);
    Files.writeString(
        src.resolve("Tools_5.json"),
        review("U1", "A1", "10")
            + bad
            + "\n"
            + review("U1", "A2", "20")
            + review("U2", "A1", "30"));
    return src;
  }

  private Run importInto(Path src, Path out, String... options) {
    String[] args =
        Stream.concat(
                Stream.of("data", "import", src.toString(), "--out", out.toString()),
                Arrays.stream(options))
            .toArray(String[]::new);
    return CliRunner.run(args);
  }

  /** Exit code 2, one line on standard error with all of {@code parts}, nothing written. */
  private void assertBadInput(Run run, Path out, String... parts) throws Exception {
    assertThat(run.exitCode()).as(run.err()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(run.err().strip()).startsWith("recformer: ").contains(parts).doesNotContain("\n");
    assertNothingWritten(out);
  }

  private void assertNothingWritten(Path out) throws Exception {
    assertThat(out).doesNotExist();
    try (Stream<Path> files = Files.list(out.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no hidden temporary directory either")
          .noneMatch(name -> name.startsWith("." + out.getFileName()));
    }
  }

  @Test
  void duplicateKeyExitsTwoNamingFileLineAndKey() throws Exception {
    Path src =
        source(
            "{\"reviewerID\": \"U3\", \"asin\": \"A1\", \"asin\": \"A2\", \"unixReviewTime\": 5}");
    Path out = temp.resolve("out");
    assertBadInput(
        importInto(src, out), out, "Tools_5.json, line 2, field 'asin': duplicate key 'asin'");
  }

  @Test
  void jacksonErrorIsNamedAndLenientSkipsIt() throws Exception {
    Path src =
        source(
            "{\"reviewerID\": \"U3\", \"asin\": \"A1\", \"unixReviewTime\": 1"
                + "0".repeat(30)
                + "}");
    Path out = temp.resolve("out");
    assertBadInput(
        importInto(src, out),
        out,
        "Tools_5.json, line 2, field 'unixReviewTime': number out of range");
    Run lenient = importInto(src, out, "--lenient");
    assertThat(lenient.exitCode()).as(lenient.err()).isZero();
    assertThat(Dataset.read(out).interactionCount()).isEqualTo(3);
  }

  @Test
  void overLongLineNamesTheLimitAndHowToRaiseIt() throws Exception {
    Path src = source(review("U3", "A1", "5 ,\"text\": \"" + "x".repeat(3_000) + "\"").strip());
    Path out = temp.resolve("out");
    assertBadInput(
        importInto(src, out, "--max-line-bytes", "1024"),
        out,
        "Tools_5.json, line 2: line is longer than the limit of 1024 bytes",
        "raise the limit with --max-line-bytes");
    assertBadInput(
        importInto(src, out, "--max-line-bytes", "0"),
        out,
        "--max-line-bytes = 0 must be between 1 and 2147483639");
    Run lenient = importInto(src, out, "--lenient", "--max-line-bytes", "1024");
    assertThat(lenient.exitCode()).as(lenient.err()).isZero();
    assertThat(Dataset.read(out).interactionCount()).isEqualTo(3);
  }

  @Test
  void truncatedGzipNeedsAllowTruncatedEvenWhenLenient() throws Exception {
    Path fixture =
        Path.of(System.getProperty("recformer.repo.root", ".."))
            .resolve("recformer-data/src/test/resources/fixtures/amazon-raw-gz");
    Path src = temp.resolve("src");
    Files.createDirectories(src);
    Files.copy(
        fixture.resolve("meta_Industrial_and_Scientific.json.gz"), src.resolve("meta_Sci.json.gz"));
    byte[] whole = Files.readAllBytes(fixture.resolve("Industrial_and_Scientific_5.json.gz"));
    Files.write(src.resolve("Sci_5.json.gz"), Arrays.copyOf(whole, whole.length / 3));
    Path out = temp.resolve("out");
    assertBadInput(
        importInto(src, out, "--lenient"),
        out,
        "Sci_5.json.gz, line ",
        "gzip stream ends early",
        "pass --allow-truncated");
    Run allowed = importInto(src, out, "--lenient", "--allow-truncated");
    assertThat(allowed.exitCode()).as(allowed.err()).isZero();
    assertThat(Dataset.read(out).provenance().get("import.counts"))
        .contains("skipped.truncated-gzip=1");
  }

  @Test
  void directoryNobodyMayWriteExitsOneWithTheCause() throws Exception {
    Path sys = Path.of("/sys");
    assumeThat(Files.isDirectory(sys)).as("/sys (Linux)").isTrue();
    Path src = source(review("U3", "A2", "40").strip());
    Path out = sys.resolve("recformer-cli-test-out");
    Run run = importInto(src, out);
    assertThat(run.exitCode()).as(run.err()).isEqualTo(RecformerCli.EXIT_INTERNAL);
    assertThat(run.err().strip())
        .startsWith("recformer: /sys/")
        .doesNotContain("internal error", "\n");
    assertThat(out).doesNotExist();
  }

  @Test
  void missingFileTheUserNamedExitsOne() throws Exception {
    Path src = source(review("U3", "A2", "40").strip());
    Path missing = temp.resolve("nowhere/tokenizer.json");
    Run run = CliRunner.run("data", "stats", src.toString(), "--tokenizer", missing.toString());
    assertThat(run.exitCode()).as(run.err()).isEqualTo(RecformerCli.EXIT_INTERNAL);
    assertThat(run.err().strip())
        .isEqualTo("recformer: " + missing + ": no such file or directory");
  }

  /** Throws what the test asks for from inside a command, as a real failure would. */
  @Command(name = "fail")
  static final class Fail implements Callable<Integer> {
    @CommandLine.Parameters String what;

    @Override
    public Integer call() throws Exception {
      switch (what) {
        case "memory" -> throw new OutOfMemoryError("Java heap space");
        case "stack" -> {
          return recurse(0);
        }
        case "disk" -> {
          Files.write(Path.of("/dev/full"), new byte[1 << 16]);
          return 0;
        }
        default -> throw new IllegalStateException("unknown failure " + what);
      }
    }

    @SuppressWarnings("InfiniteRecursion") // the stack overflow is what the test needs
    private static int recurse(int depth) {
      return recurse(depth + 1) + 1;
    }
  }

  private static Run runFail(String what) {
    CommandLine cli = RecformerCli.commandLine().addSubcommand(new Fail());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return new Run(cli.execute("fail", what), out.toString(), err.toString());
  }

  @Test
  void errorsEndWithOneLineAndExitOne() {
    Run memory = runFail("memory");
    assertThat(memory.exitCode()).isEqualTo(RecformerCli.EXIT_INTERNAL);
    assertThat(memory.err().strip())
        .startsWith("recformer: out of memory (Java heap space) with a maximum heap of")
        .contains("RECFORMER_JAVA_OPTS=-Xmx")
        .doesNotContain("\n");

    Run stack = runFail("stack");
    assertThat(stack.exitCode()).isEqualTo(RecformerCli.EXIT_INTERNAL);
    assertThat(stack.err().strip())
        .isEqualTo(
            "recformer: internal error: stack overflow (StackOverflowError); run with -v for the"
                + " stack trace and report it");

    // A bug (an unexpected runtime exception) still shows where it happened.
    Run bug = runFail("nothing");
    assertThat(bug.exitCode()).isEqualTo(RecformerCli.EXIT_INTERNAL);
    assertThat(bug.err()).startsWith("recformer: internal error: unknown failure nothing");
    assertThat(bug.err()).contains("\tat io.recformer.cli.BadInputCliTest$Fail.call");
  }

  @Test
  void fullDiskExitsOneWithOneLine() {
    assumeThat(Files.isWritable(Path.of("/dev/full"))).as("/dev/full (Linux)").isTrue();
    Run disk = runFail("disk");
    assertThat(disk.exitCode()).isEqualTo(RecformerCli.EXIT_INTERNAL);
    assertThat(disk.err().strip())
        .isEqualTo("recformer: No space left on device")
        .doesNotContain("internal error");
  }

  @Test
  void importOptionsLogProgressOnceThroughTheImporter() {
    // The importer logs progress itself; a logging listener here would log every line twice.
    ImportOptions options = DatasetArguments.importOptions(true);
    assertThat(options.progress()).isSameAs(ProgressListener.NONE);
    assertThat(options.progressIntervalMillis())
        .isEqualTo(DatasetArguments.PROGRESS_INTERVAL_MILLIS);
    ImportArguments arguments = new ImportArguments();
    arguments.maxLineBytes = 4096;
    arguments.allowTruncated = true;
    assertThat(arguments.options().maxLineBytes()).isEqualTo(4096);
    assertThat(arguments.options().allowTruncated()).isTrue();
    assertThat(arguments.options().progress()).isSameAs(ProgressListener.NONE);
  }

  @Test
  void helpListsTheNewOptions() {
    Run help = CliRunner.run("data", "import", "--help");
    assertThat(help.out()).contains("--max-line-bytes", "--allow-truncated", "--lenient");
    assertThat(help.out()).contains("default: 67108864");
  }
}
