package io.recformer.infer.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.encoder.RecformerEncoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Runs the Java example of the README against the committed tiny bundle, and checks that the README
 * shows exactly this code, so the example can neither stop compiling nor drift from the docs.
 */
class ReadmeExampleTest {

  private static final Path ROOT = Path.of(System.getProperty("recformer.repo.root", ".."));
  private static final Path SOURCE =
      ROOT.resolve(
          "recformer-infer/src/test/java/io/recformer/infer/recommend/ReadmeExampleTest.java");

  @Test
  void theReadmeExampleRuns() throws Exception {
    Path bundle = RecommenderTest.bundle();
    PrintStream original = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      example(bundle);
    } finally {
      System.setOut(original);
    }
    String[] lines = printed.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).matches("i[23] .+ -?[0-9]+\\.[0-9]{3}");
  }

  private static void example(Path bundle) throws Exception {
    // README-EXAMPLE-BEGIN
    try (RecformerEncoder encoder = RecformerEncoder.open(bundle)) {
      List<Item> items =
          List.of(
              Item.of("i1", "title", "Gorilla wood glue", "brand", "Gorilla", "category", "tools"),
              Item.of("i2", "title", "IKEA desk lamps", "brand", "IKEA", "category", "home"),
              Item.of("i3", "title", "nikon camera lens", "brand", "Nikon", "category", "camera"));
      Recommender recommender = Recommender.build(encoder, ItemCatalog.of(items));

      // The user's history, oldest first; it is left out of the recommendations.
      for (Recommendation r : recommender.recommend(List.of("i1"), 2)) {
        System.out.printf(Locale.ROOT, "%s %s %.3f%n", r.itemId(), r.item().title(), r.score());
      }

      // Cold start: a new item is recommendable at once, without re-encoding the catalog.
      recommender.addItems(List.of(Item.of("i4", "title", "wood lamp", "brand", "IKEA")));
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
