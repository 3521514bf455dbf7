package io.recformer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.data.dataset.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs every subcommand on the bundled real data. */
class RecformerCliTest {

  private static final Path DATA =
      Path.of(System.getProperty("recformer.repo.root", "..")).resolve("data");

  @TempDir Path temp;

  /** Output of one run: exit code, standard output (System.out and picocli's), and errors. */
  record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    PrintStream originalOut = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      CommandLine cli = RecformerCli.commandLine();
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      code = cli.execute(args);
    } finally {
      System.setOut(originalOut);
    }
    return new Run(code, captured.toString(StandardCharsets.UTF_8) + out, err.toString());
  }

  @Test
  void helpListsTheSubcommands() {
    Run run = run("--help");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("quickstart", "data", "index", "recommend", "bench");
    assertThat(run("data", "import", "--help").out()).contains("--out", "--lenient", "--k-core");
  }

  @Test
  void statsPrintsTheBundledCountsWithRealTokenCounts() {
    Run run =
        run(
            "data",
            "stats",
            DATA.resolve("amazon-office-2014").toString(),
            DATA.resolve("amazon-scientific-lcrec").toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("| users | 4,905 |", "| items | 2,420 |", "| interactions | 53,258 |")
        .contains("| users | 8,317 |", "| items | 4,344 |", "| interactions | 58,492 |")
        .contains("tokens per item", "WORDPIECE tokenizer");
  }

  @Test
  void importWritesACanonicalDatasetThatReadsBack() throws Exception {
    Path out = temp.resolve("office");
    Run run =
        run(
            "data",
            "import",
            DATA.resolve("amazon-office-2014").toString(),
            "--out",
            out.toString(),
            "--k-core",
            "5");
    assertThat(run.exitCode()).as(run.err()).isZero();
    Dataset dataset = Dataset.read(out);
    assertThat(dataset.userCount()).isEqualTo(4905);
    assertThat(dataset.itemCount()).isEqualTo(2420);
    assertThat(run.out()).contains("Next: recformer data stats");
  }

  @Test
  void badInputExitsWithCodeTwoAndNamesTheProblem() throws Exception {
    Path missing = temp.resolve("nowhere");
    Run run = run("data", "stats", missing.toString());
    assertThat(run.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("dataset directory " + missing + " does not exist");

    // An output path that is a dangling symbolic link: the file-system error is spelled out. It
    // is an I/O failure, not malformed input: exit code 1.
    Path dangling = temp.resolve("out-link");
    Files.createSymbolicLink(dangling, temp.resolve("missing-target"));
    Run link =
        run(
            "data",
            "import",
            DATA.resolve("amazon-office-2014").toString(),
            "--out",
            dangling.toString());
    assertThat(link.exitCode()).as(link.out()).isEqualTo(RecformerCli.EXIT_INTERNAL);
    assertThat(link.err()).contains(dangling.toString(), "Not a directory");

    Run usage = run("data", "import", DATA.resolve("amazon-office-2014").toString());
    assertThat(usage.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(usage.err()).contains("Missing required option: '--out");
  }

  @Test
  void fileSystemErrorsSayWhatIsWrongWithThePath() {
    assertThat(RecformerCli.describe(new FileAlreadyExistsException("runs/x")))
        .isEqualTo(
            "runs/x: already exists (a file or a symbolic link to a missing target is in"
                + " the way)");
    assertThat(RecformerCli.describe(new NoSuchFileException("a/b")))
        .isEqualTo("a/b: no such file or directory");
    assertThat(RecformerCli.describe(new UncheckedIOException(new AccessDeniedException("x"))))
        .isEqualTo("x: permission denied");
    assertThat(RecformerCli.describe(new FileSystemException("f", "g", "busy")))
        .isEqualTo("f -> g: busy");
    assertThat(RecformerCli.describe(new IllegalArgumentException("bad k-core")))
        .isEqualTo("bad k-core");
    assertThat(RecformerCli.describe(new IllegalStateException()))
        .isEqualTo("IllegalStateException");
  }
}
