package io.recformer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.recommend.RecommendOptions;
import io.recformer.infer.recommend.Recommendation;
import io.recformer.infer.recommend.Recommender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code recformer spark score} in local mode on a 60-user slice of Scientific with the tiny
 * bundle: the Parquet lists equal {@code Recommender}'s (the module's own test covers every user
 * and both scoring paths), and bad input exits 2 naming the problem.
 */
class SparkCommandTest {

  @TempDir Path dir;

  @Test
  void scoresEveryUserOfADatasetAsRecommenderDoesAndRejectsBadInput() throws Exception {
    Path data = dir.resolve("slice");
    Dataset slice = CliRunner.writeScientificSlice(data, 60);
    Path out = dir.resolve("top5");
    String[] args = {
      "spark",
      "score",
      "--bundle",
      CliRunner.TINY_BUNDLE.toString(),
      "--data",
      data.toString(),
      "--out",
      out.toString(),
      "-k",
      "5",
      "--master",
      "local[2]",
      "--partitions",
      "2",
      "--batch-size",
      "1"
    };
    CliRunner.Run run = CliRunner.run(args);
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("scored 60 users against " + slice.itemCount() + " items");

    CliRunner.Run again = CliRunner.run(args);
    assertThat(again.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(again.err()).contains("output " + out + " already exists");

    Path users = dir.resolve("users.json");
    Files.writeString(users, "{\"user_id\": \"u1\", \"history\": [\"not-an-item\"]}\n");
    CliRunner.Run missing =
        CliRunner.run(
            "spark",
            "score",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--users",
            users.toString(),
            "--users-format",
            "json",
            "--out",
            dir.resolve("never").toString(),
            "--master",
            "local[2]");
    assertThat(missing.exitCode()).as(missing.err()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(missing.err())
        .contains("user 'u1' has item 'not-an-item' in their history, which the catalog does not");

    Map<String, List<String>> expected = new HashMap<>();
    try (RecformerEncoder encoder =
            RecformerEncoder.open(
                CliRunner.TINY_BUNDLE, EncoderOptions.defaults().withBatchSize(1));
        Recommender recommender = Recommender.build(encoder, slice.items())) {
      for (UserHistory user : slice.users()) {
        List<String> ids = new ArrayList<>();
        for (Recommendation r :
            recommender.recommend(user.itemIds(), 5, RecommendOptions.DEFAULTS)) {
          ids.add(r.item().id());
        }
        expected.put(user.userId(), ids);
      }
    }
    SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", false)
            .getOrCreate();
    Map<String, List<Row>> byUser = new HashMap<>();
    try {
      for (Row row : spark.read().parquet(out.toString()).collectAsList()) {
        byUser.computeIfAbsent(row.getString(0), u -> new ArrayList<>()).add(row);
      }
    } finally {
      spark.stop();
    }
    Map<String, List<String>> actual = new HashMap<>();
    byUser.forEach(
        (user, rows) -> {
          rows.sort((a, b) -> Integer.compare(a.getInt(1), b.getInt(1)));
          actual.put(user, rows.stream().map(r -> r.getString(2)).toList());
        });
    assertThat(actual).isEqualTo(expected);
  }
}
