package io.recformer.cli;

import static io.recformer.cli.CliRunner.DATA;
import static io.recformer.cli.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.cli.CliRunner.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands take a dataset saved by {@code data import} exactly as they take its source files. */
class SavedDatasetCommandsTest {

  @TempDir Path temp;

  @Test
  void statsAndTheQualityBenchmarkReadASavedDatasetLikeItsSource() throws Exception {
    Path source = DATA.resolve("amazon-office-2014");
    Path saved = temp.resolve("office");
    Run imported = run("data", "import", source.toString(), "--out", saved.toString());
    assertThat(imported.exitCode()).as(imported.err()).isZero();

    Run fromSource = run("data", "stats", source.toString());
    Run fromSaved = run("data", "stats", saved.toString());
    assertThat(fromSaved.exitCode()).as(fromSaved.err()).isZero();
    assertThat(fromSaved.out()).contains("| users | 4,905 |", "| interactions | 53,258 |");
    assertThat(tableOf(fromSaved.out())).isEqualTo(tableOf(fromSource.out()));

    List<String> sourceRows = popularityRows(source, temp.resolve("bench-source"));
    List<String> savedRows = popularityRows(saved, temp.resolve("bench-saved"));
    assertThat(savedRows).hasSizeGreaterThan(1).isEqualTo(sourceRows);
  }

  /** The statistics table without the heading, which names the directory. */
  private static String tableOf(String out) {
    return out.substring(out.indexOf("| users |"));
  }

  private static List<String> popularityRows(Path data, Path out) throws Exception {
    Run run =
        run(
            "bench",
            "quality",
            "--data",
            data.toString(),
            "--out",
            out.toString(),
            "--models",
            "popularity",
            "--threads",
            "1");
    assertThat(run.exitCode()).as(run.err()).isZero();
    return Files.readAllLines(out.resolve("results.csv"));
  }
}
