package io.recformer.cli;

import static io.recformer.cli.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.cli.CliRunner.Run;
import io.recformer.data.dataset.Dataset;
import io.recformer.infer.index.ExactItemIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's {@code ./recformer quickstart} flow end to end on the bundled real data, with the
 * tiny budget (40 users, 32 tokens, one epoch of 16 samples) so that it runs in the default suite:
 * import, MiniLM initialization, zero-shot evaluation, fine-tuning, ONNX export, item index and
 * recommendations served from the exported bundle.
 */
class QuickstartTest {

  private static final String METRIC_HEADER =
      "| model | NDCG@10 | Recall@10 | NDCG@50 | Recall@50 | MRR | users | ties | history |";

  @TempDir Path temp;

  @Test
  void tinyBudgetRunsTheWholeReadmeFlowOnTheBundledData() throws Exception {
    Path out = temp.resolve("quickstart");
    String previousHome = System.getProperty("recformer.home");
    // As the launcher does: the repository root, so that the default (bundled) data is found.
    System.setProperty("recformer.home", System.getProperty("recformer.repo.root", ".."));
    Run run;
    try {
      run = run("quickstart", "--budget", "tiny", "--out", out.toString(), "--threads", "1");
    } finally {
      if (previousHome == null) {
        System.clearProperty("recformer.home");
      } else {
        System.setProperty("recformer.home", previousHome);
      }
    }
    assertThat(run.exitCode()).as(run.err()).isZero();
    String printed = run.out();
    assertThat(printed)
        .contains("[1/6] Importing", "amazon-scientific-unisrec", "[6/6] Recommendations")
        .contains("| users | 40 |")
        .contains(
            "| budget | tiny |",
            "| max tokens per sequence | 32 |",
            "| training samples per epoch | 16 ")
        .contains("0.05 min of the encoder and the item matrix trained together")
        .contains("| test users | 40 of 40 |");
    assertThat(printed).contains(METRIC_HEADER);
    // The report says what each row means.
    assertThat(printed)
        .contains("- zero-shot: the starting model", "- fine-tuned: that model", "- popularity:");
    for (String row : List.of("zero-shot (MiniLM init)", "fine-tuned (best ", "popularity")) {
      assertThat(printed)
          .containsPattern(
              Pattern.quote("| " + row)
                  + ".*\\| 0\\.\\d{4} ± 0\\.\\d{4} \\| 40 \\| original \\| keep \\|");
    }

    // Three users, each with ten recommendations.
    Matcher users =
        Pattern.compile("### User (\\S+) \\((\\d+) items in history\\)").matcher(printed);
    List<String> shown = new ArrayList<>();
    while (users.find()) {
      shown.add(users.group(1));
    }
    assertThat(shown).hasSize(3).doesNotHaveDuplicates();
    assertThat(Pattern.compile("(?m)^\\| 10 \\| \\S+").matcher(printed).results().count())
        .isEqualTo(3);

    // Files: report with the same tables, dataset, run directory, bundle, index.
    String report = Files.readString(out.resolve("report.md"));
    assertThat(report)
        .contains("# Quickstart", "## Budget", METRIC_HEADER, "### User " + shown.get(0));
    Dataset dataset = Dataset.read(out.resolve("dataset"));
    assertThat(dataset.userCount()).isEqualTo(40);
    assertThat(out.resolve("run/best")).isDirectory();
    assertThat(out.resolve("bundle/manifest.json")).isRegularFile();
    assertThat(out.resolve("bundle/model.onnx")).isRegularFile();
    assertThat(ExactItemIndex.open(out.resolve("items.rfidx")).size())
        .isEqualTo(dataset.itemCount());

    // The printed recommendations are what `recformer recommend` serves from the same files for
    // the test input (history without the held-out item): compare the first user's top item.
    String firstUser = shown.get(0);
    List<String> testInput =
        dataset.users().stream()
            .filter(u -> u.userId().equals(firstUser))
            .findFirst()
            .orElseThrow()
            .itemIds();
    testInput = testInput.subList(0, testInput.size() - 1);
    Run served =
        run(
            "recommend",
            "--bundle",
            out.resolve("bundle").toString(),
            "--index",
            out.resolve("items.rfidx").toString(),
            "--data",
            out.resolve("dataset").toString(),
            "--items",
            String.join(",", testInput),
            "-k",
            "1",
            "--threads",
            "1");
    assertThat(served.exitCode()).as(served.err()).isZero();
    String topId =
        served.out().lines().skip(2).findFirst().orElseThrow().trim().split("\\s+", -1)[1];
    int section = printed.indexOf("### User " + firstUser);
    assertThat(printed.substring(section))
        .containsPattern("\\| 1 \\| " + Pattern.quote(topId) + "( \\(held out\\))? \\|");
  }

  @Test
  void budgetsResolveByNameAndOptionsOverrideSingleFields() {
    assertThat(QuickstartBudget.named("TINY")).isEqualTo(QuickstartBudget.TINY);
    QuickstartBudget b =
        QuickstartBudget.DEFAULT.withTrainingMinutes(2.5).withTestUsers(0).withMaxTokens(64);
    assertThat(b.name()).isEqualTo("default*");
    assertThat(b.stage1Minutes()).isEqualTo(2.5);
    assertThat(b.stage2Minutes()).isZero();
    assertThat(b.bothStages()).isFalse();
    assertThat(b.testUsers()).isZero();
    assertThat(b.maxTokens()).isEqualTo(64);
    assertThat(b.samplesPerEpoch()).isEqualTo(QuickstartBudget.DEFAULT.samplesPerEpoch());
    // A preset with both stages keeps its proportion when the total changes.
    QuickstartBudget both =
        new QuickstartBudget("x", 128, 0, 16, 0, 0, 3.0, 1.0, 2).withTrainingMinutes(8);
    assertThat(both.stage1Minutes()).isEqualTo(6.0);
    assertThat(both.stage2Minutes()).isEqualTo(2.0);
    assertThat(both.bothStages()).isTrue();
    Assertions.assertThatThrownBy(() -> QuickstartBudget.DEFAULT.withMaxTokens(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--max-tokens = 4 must be >= 8");
    Assertions.assertThatThrownBy(() -> QuickstartBudget.DEFAULT.withSamplesPerEpoch(0))
        .hasMessage("--samples-per-epoch = 0 must be >= 1");
  }

  @Test
  void badBudgetsExitWithTwo() {
    Run unknown = run("quickstart", "--budget", "huge", "--out", temp.toString());
    assertThat(unknown.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(unknown.err()).contains("--budget 'huge' is unknown: expected default or tiny");
    Run minutes = run("quickstart", "--minutes", "0", "--out", temp.toString());
    assertThat(minutes.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(minutes.err()).contains("--minutes = 0.0 must be > 0");
  }
}
