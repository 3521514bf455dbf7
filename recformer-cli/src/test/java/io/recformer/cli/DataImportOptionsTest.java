package io.recformer.cli;

import static io.recformer.cli.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.cli.CliRunner.Run;
import io.recformer.core.item.ItemAttribute;
import io.recformer.data.dataset.Dataset;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code recformer data import} with the RecBole column options. */
class DataImportOptionsTest {

  private static final Path ML_LIKE =
      Path.of(System.getProperty("recformer.repo.root", ".."))
          .resolve("recformer-data/src/test/resources/fixtures/recbole-ml-like");

  @TempDir Path temp;

  @Test
  void helpListsTheRecBoleOptions() {
    assertThat(run("data", "import", "--help").out())
        .contains(
            "--attribute=COLUMN=KEY",
            "--user-field",
            "--item-field",
            "--time-field",
            "--rating-field",
            "--min-rating=R");
  }

  @Test
  void mappedAttributesMinimumRatingAndSelection() throws Exception {
    Path out = temp.resolve("ml");
    Run run =
        run(
            "data",
            "import",
            ML_LIKE.toString(),
            "--out",
            out.toString(),
            "--attribute",
            "movie_title=title,class=category",
            "--min-rating",
            "3",
            "--attributes",
            "category,title");
    assertThat(run.exitCode()).as(run.err()).isZero();
    Dataset dataset = Dataset.read(out);
    assertThat(dataset.interactionCount()).isEqualTo(4);
    assertThat(dataset.items().get("30").attributes())
        .containsExactly(
            new ItemAttribute("category", "Thriller"), new ItemAttribute("title", "Nine Doors"));
    assertThat(dataset.provenance().get("import.fields"))
        .contains("minRating=3.0", "movie_title=title");
  }

  @Test
  void badFieldOptionsExitWithCodeTwo() {
    Run missing =
        run(
            "data",
            "import",
            ML_LIKE.toString(),
            "--out",
            temp.resolve("a").toString(),
            "--rating-field",
            "stars",
            "--min-rating",
            "4");
    assertThat(missing.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(missing.err())
        .contains("ml-mini.inter, line 1, field 'stars': header")
        .contains("has no column 'stars'; expected a rating column 'stars:float'");

    Run other =
        run(
            "data",
            "import",
            CliRunner.DATA.resolve("amazon-office-2014").toString(),
            "--out",
            temp.resolve("b").toString(),
            "--user-field",
            "reader");
    assertThat(other.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(other.err()).contains("holds json-sequences files", "apply only to RecBole");
  }
}
