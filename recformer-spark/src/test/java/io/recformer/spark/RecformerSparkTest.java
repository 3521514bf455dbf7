package io.recformer.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.importer.ImportOptions;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.recommend.RecommendOptions;
import io.recformer.infer.recommend.Recommendation;
import io.recformer.infer.recommend.Recommender;
import io.recformer.spark.SparkScoreOptions.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job against {@link Recommender} on every Scientific test user (the leave-one-out test
 * inputs), with the committed tiny bundle: both scoring paths must return the same items in the
 * same order with the same scores.
 */
class RecformerSparkTest {

  /** The bundle compared: the committed tiny one, or -Drecformer.spark.bundle. */
  private static Path bundle = LocalSpark.TINY_BUNDLE;

  private static final int K = 10;

  @TempDir static Path scratch;

  private static SparkSession spark;
  private static Dataset dataset;
  private static final double PENALTY = 0.05;

  /** Recommender's lists by user: history excluded, and history kept with {@link #PENALTY}. */
  private static Map<String, List<Recommendation>> excluded;

  private static Map<String, List<Recommendation>> penalized;

  @BeforeAll
  static void setUp() throws Exception {
    String chosen = System.getProperty("recformer.spark.bundle", "");
    if (!chosen.isBlank()) {
      bundle = Path.of(chosen);
    }
    dataset = Datasets.open(LocalSpark.SCIENTIFIC, ImportOptions.defaults());
    List<Example> test = LeaveOneOutSplit.of(dataset).test();
    List<List<String>> histories = new ArrayList<>(test.size());
    test.forEach(example -> histories.add(example.history().itemIds()));
    try (RecformerEncoder encoder =
            RecformerEncoder.open(bundle, EncoderOptions.defaults().withBatchSize(1));
        Recommender recommender = Recommender.build(encoder, dataset.items())) {
      excluded = byUser(test, recommender.recommendAll(histories, K, RecommendOptions.DEFAULTS));
      penalized =
          byUser(
              test,
              recommender.recommendAll(
                  histories, K, RecommendOptions.DEFAULTS.withHistoryPenalty(PENALTY)));
    }
    spark = LocalSpark.start(scratch);
  }

  private static Map<String, List<Recommendation>> byUser(
      List<Example> users, List<List<Recommendation>> lists) {
    Map<String, List<Recommendation>> out = new HashMap<>();
    for (int u = 0; u < users.size(); u++) {
      out.put(users.get(u).userId(), lists.get(u));
    }
    return out;
  }

  @AfterAll
  static void tearDown() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static SparkScoreOptions options() {
    return SparkScoreOptions.defaults(bundle).withEncoder(1, 1).withPartitions(4);
  }

  private static ScoreSummary score(SparkScoreOptions options, String name) {
    return RecformerSpark.scoreUsers(
        spark,
        ItemSource.dataset(LocalSpark.SCIENTIFIC),
        UserSource.dataset(LocalSpark.SCIENTIFIC, UserSource.Histories.TEST),
        options,
        scratch.resolve(name).toString());
  }

  private static void assertSameAsRecommender(
      String output, Map<String, List<Recommendation>> expected) {
    Map<String, List<Row>> byUser = new HashMap<>();
    for (Row row : spark.read().parquet(output).collectAsList()) {
      byUser.computeIfAbsent(row.getString(0), u -> new ArrayList<>()).add(row);
    }
    assertThat(byUser.keySet()).isEqualTo(expected.keySet());
    for (Map.Entry<String, List<Row>> user : byUser.entrySet()) {
      List<Row> rows = new ArrayList<>(user.getValue());
      rows.sort((a, b) -> Integer.compare(a.getInt(1), b.getInt(1)));
      List<Recommendation> want = expected.get(user.getKey());
      List<String> ids = new ArrayList<>();
      rows.forEach(row -> ids.add(row.getString(2)));
      assertThat(ids)
          .as("user %s", user.getKey())
          .isEqualTo(want.stream().map(r -> r.item().id()).toList());
      for (int i = 0; i < rows.size(); i++) {
        assertThat(rows.get(i).getInt(1)).as("rank").isEqualTo(i + 1);
        assertThat((double) rows.get(i).getFloat(3))
            .as("user %s rank %d", user.getKey(), i + 1)
            .isCloseTo(want.get(i).score(), Offset.offset(1e-5));
      }
    }
  }

  @Test
  void broadcastPathEqualsRecommenderWithOneEncoderPerJvm() {
    int before = ExecutorEncoders.openedCount();
    ScoreSummary summary = score(options().withStrategy(Strategy.BROADCAST), "broadcast");
    assertThat(summary.strategy()).isEqualTo(Strategy.BROADCAST);
    assertThat(summary.items()).isEqualTo(dataset.itemCount());
    assertThat(summary.users()).isEqualTo(excluded.size());
    assertSameAsRecommender(summary.output(), excluded);
    // Four partitions on two task threads, items and users: the shared-path bundle opened once
    // (another test may have opened it first).
    assertThat(ExecutorEncoders.openedCount() - before).isLessThanOrEqualTo(1);
  }

  @Test
  void blockPathWithHistoryPenaltyEqualsRecommenderWithTheBundleShipped() {
    ScoreSummary summary =
        score(
            options()
                .withStrategy(Strategy.AUTO)
                .withBroadcastLimitBytes(0)
                .withItemBlockRows(1_000)
                .withUsersPerChunk(700)
                .withHistoryPenalty(PENALTY)
                .withShipBundle(true),
            "blocks");
    assertThat(summary.strategy()).isEqualTo(Strategy.BLOCKS);
    assertSameAsRecommender(summary.output(), penalized);
  }

  @Test
  void aHistoryItemMissingFromTheCatalogIsNamed() throws Exception {
    Path users = scratch.resolve("users.json");
    Files.writeString(
        users, "{\"user_id\": \"u1\", \"history\": [\"" + firstItem() + "\", \"no-such-item\"]}\n");
    assertThatThrownBy(
            () ->
                RecformerSpark.scoreUsers(
                    spark,
                    ItemSource.dataset(LocalSpark.SCIENTIFIC),
                    UserSource.table(InputFormat.JSON, users.toString()),
                    options().withStrategy(Strategy.BROADCAST),
                    scratch.resolve("missing").toString()))
        .hasStackTraceContaining("user 'u1' has item 'no-such-item' in their history");
  }

  private static String firstItem() {
    return dataset.items().items().get(0).id();
  }
}
