package io.recformer.infer.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Java example of the README against the committed tiny bundle, and checks that the README
 * shows exactly this code, so the example can neither stop compiling nor drift from the docs.
 */
class ReadmeExampleTest {

  private static final Path ROOT = Path.of(System.getProperty("recformer.repo.root", ".."));
  private static final Path SOURCE =
      ROOT.resolve(
          "recformer-infer/src/test/java/io/recformer/infer/recommend/ReadmeExampleTest.java");

  @TempDir Path temp;

  @Test
  void theReadmeExampleRuns() throws Exception {
    Path bundle = RecommenderTest.bundle();
    PrintStream original = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      example(bundle, temp.resolve("catalog"));
    } finally {
      System.setOut(original);
    }
    String[] lines = printed.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertThat(lines).hasSize(4);
    assertThat(lines[0]).matches("i[23] .+ -?[0-9]+\\.[0-9]{3}");
    assertThat(lines[1]).matches("i[13] .+ -?[0-9]+\\.[0-9]{3}");
    assertThat(lines[2]).isEqualTo("2 users ranked in one batch");
    assertThat(lines[3]).isEqualTo("4 items after the restart");
  }

  private static void example(Path bundle, Path catalogDir) throws Exception {
    // README-EXAMPLE-BEGIN
    List<Item> items =
        List.of(
            Item.of("i1", "title", "Gorilla wood glue", "brand", "Gorilla", "category", "tools"),
            Item.of("i2", "title", "IKEA desk lamps", "brand", "IKEA", "category", "home"),
            Item.of("i3", "title", "nikon camera lens", "brand", "Nikon", "category", "camera"));
    // One ONNX Runtime thread per call (the default), so concurrent requests share the cores.
    try (RecformerEncoder encoder = RecformerEncoder.open(bundle, EncoderOptions.defaults());
        Recommender recommender =
            Recommender.create(
                encoder, ItemCatalog.of(items), catalogDir, RecommenderOptions.defaults())) {
      ExecutorService requests = Executors.newFixedThreadPool(4); // the service's request threads
      try {
        // Concurrent requests; a history is oldest first and left out of its recommendations.
        List<Future<List<Recommendation>>> answers = new ArrayList<>();
        for (List<String> history : List.of(List.of("i1"), List.of("i2"))) {
          answers.add(requests.submit(() -> recommender.recommend(history, 2)));
        }
        for (Future<List<Recommendation>> answer : answers) {
          Recommendation top = answer.get().get(0);
          System.out.printf(
              Locale.ROOT, "%s %s %.3f%n", top.itemId(), top.item().title(), top.score());
        }

        // Many users at once: one encoder batch and one scan of the index.
        List<List<Recommendation>> batch =
            recommender.recommendAll(
                List.of(List.of("i1"), List.of("i2", "i3")), 2, RecommendOptions.DEFAULTS);
        System.out.println(batch.size() + " users ranked in one batch");

        // Cold start: recommendable at once, and durable when addItems returns.
        recommender.addItems(List.of(Item.of("i4", "title", "wood lamp", "brand", "IKEA")));
      } finally {
        // Shutdown: stop taking requests and let running ones finish; then the recommender and
        // the encoder close, in reverse order of opening.
        requests.shutdown();
        requests.awaitTermination(10, TimeUnit.SECONDS);
      }
    }

    // After a restart (or a crash), the catalog directory holds every acknowledged addition.
    try (RecformerEncoder encoder = RecformerEncoder.open(bundle, EncoderOptions.defaults());
        Recommender recommender =
            Recommender.open(encoder, catalogDir, RecommenderOptions.defaults())) {
      System.out.println(recommender.size() + " items after the restart");
    }
    // README-EXAMPLE-END
  }

  @Test
  void theReadmeShowsExactlyThisExample() throws Exception {
    List<String> source = Files.readAllLines(SOURCE);
    int begin = source.indexOf("    // README-EXAMPLE-BEGIN");
    int end = source.indexOf("    // README-EXAMPLE-END");
    assertThat(begin).isPositive();
    assertThat(end).isGreaterThan(begin);
    String readme = Files.readString(ROOT.resolve("README.md"));
    StringBuilder expected = new StringBuilder();
    for (String line : source.subList(begin + 1, end)) {
      expected.append(line.length() >= 4 ? line.substring(4) : line.strip()).append('\n');
    }
    assertThat(readme).contains(expected.toString());
  }
}
