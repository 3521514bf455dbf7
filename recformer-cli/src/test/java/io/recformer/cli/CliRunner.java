package io.recformer.cli;

import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs the tool in-process and captures what it prints. */
final class CliRunner {

  static final Path DATA = Path.of(System.getProperty("recformer.repo.root", "..")).resolve("data");
  static final Path TINY_BUNDLE =
      Path.of(System.getProperty("recformer.repo.root", ".."))
          .resolve("recformer-infer/src/test/resources/bundles/tiny");

  private CliRunner() {}

  /**
   * The first {@code users} users of the bundled Scientific data, saved as a dataset in {@code
   * dir}.
   */
  static Dataset writeScientificSlice(Path dir, int users) throws IOException {
    Dataset slice =
        QuickstartCommand.slice(
            Datasets.importAuto(DATA.resolve("amazon-scientific-unisrec")).dataset(), users);
    slice.write(dir);
    return slice;
  }

  /**
   * Runs {@code recformer index} with the tiny test bundle over {@code data} into {@code index}.
   */
  static Run indexWithTinyBundle(Path data, Path index) {
    return run(
        "index",
        "--bundle",
        TINY_BUNDLE.toString(),
        "--data",
        data.toString(),
        "--out",
        index.toString(),
        "--threads",
        "1");
  }

  /** Output of one run: exit code, standard output (System.out and picocli's), and errors. */
  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    return runWithInput(null, args);
  }

  /** Runs with {@code stdin} as standard input (null keeps the current one). */
  static Run runWithInput(String stdin, String... args) {
    PrintStream originalOut = System.out;
    InputStream originalIn = System.in;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      if (stdin != null) {
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      }
      CommandLine cli = RecformerCli.commandLine();
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      code = cli.execute(args);
    } finally {
      System.setOut(originalOut);
      System.setIn(originalIn);
    }
    return new Run(code, captured.toString(StandardCharsets.UTF_8) + out, err.toString());
  }
}
