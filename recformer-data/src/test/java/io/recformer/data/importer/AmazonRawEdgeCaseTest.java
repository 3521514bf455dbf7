package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.filter.DatasetFilters;
import io.recformer.data.filter.DuplicatePolicy;
import io.recformer.data.filter.TieBreak;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Made-up raw Amazon files for the cases the real slice does not cover. */
class AmazonRawEdgeCaseTest {

  @TempDir Path dir;

  private static final String META =
      """
      {"category": ["Tools &amp; Home", "Power &amp; Hand Tools", ""], "description": ["Line one.", "Line &#39;two&#39;."], "title": "Gorilla &quot;Original&quot; Glue &amp; More &#x27;8oz&#x27;", "brand": "Gorilla", "asin": "A1"}
      {"category": [], "title": "", "brand": "NoTitle", "asin": "A2"}
      {"title": "   ", "asin": "A3"}
      {"category": ["Tape"], "title": "Duct Tape", "brand": "", "description": [], "asin": "A4"}
      {"title": "Duct Tape (duplicate metadata line)", "asin": "A4"}
      {"title": "Sandpaper", "brand": null, "category": null, "asin": "A5"}\
      """
          + "\n";

  private static String review(String user, String asin, long time) {
    return "{\"reviewerID\": \""
        + user
        + "\", \"asin\": \""
        + asin
        + "\", \"unixReviewTime\": "
        + time
        + "}";
  }

  private Dataset importWith(List<String> reviews) throws IOException {
    Files.writeString(dir.resolve("meta_Tools.json"), META);
    Files.write(dir.resolve("Tools_5.json"), reviews);
    return Datasets.importAuto(dir).dataset();
  }

  @Test
  void htmlEntitiesCategoryListsAndEmptyTitles() throws IOException {
    Files.writeString(dir.resolve("meta_Tools.json"), META);
    Files.write(
        dir.resolve("Tools_5.json"),
        List.of(
            review("U1", "A1", 10),
            review("U1", "A2", 20),
            review("U1", "A3", 30),
            review("U1", "A4", 40),
            review("U1", "A5", 50)));
    ImportResult result = Datasets.importAuto(dir);
    Dataset dataset = result.dataset();
    var glue = dataset.items().get("A1");
    assertThat(glue.title()).isEqualTo("Gorilla \"Original\" Glue & More '8oz'");
    // The category list is joined with single spaces (empty entries skipped), entities decoded.
    assertThat(glue.attribute("category")).contains("Tools & Home Power & Hand Tools");
    assertThat(glue.attribute("description")).contains("Line one. Line 'two'.");
    // Items without a title (empty or blank) are dropped, and so are their interactions.
    assertThat(dataset.items().contains("A2")).isFalse();
    assertThat(dataset.items().contains("A3")).isFalse();
    assertThat(result.report().count("dropped.item-without-title")).isEqualTo(2);
    assertThat(result.report().count("dropped.interaction-item-without-title")).isEqualTo(2);
    // Empty brand / empty description list / null fields are left out rather than kept empty.
    assertThat(dataset.items().get("A4").attributes())
        .extracting(a -> a.key())
        .containsExactly("title", "category");
    assertThat(dataset.items().get("A5").attributes())
        .extracting(a -> a.key())
        .containsExactly("title");
    // A repeated metadata line for an ASIN is ignored: the first one wins.
    assertThat(dataset.items().get("A4").title()).isEqualTo("Duct Tape");
    assertThat(result.report().count("dropped.duplicate-item")).isEqualTo(1);
    assertThat(dataset.users().get(0).itemIds()).containsExactly("A1", "A4", "A5");
  }

  @Test
  void sequencesAreSortedByTimeWithFileOrderTieBreak() throws IOException {
    Dataset dataset =
        importWith(
            List.of(
                review("U1", "A5", 300),
                review("U2", "A1", 5),
                review("U1", "A4", 100),
                review("U1", "A1", 100),
                review("U1", "A5", 50)));
    UserHistory u1 = dataset.users().get(0);
    assertThat(u1.userId()).isEqualTo("U1");
    // 100 and 100 tie: A4 came first in the file, so it stays first.
    assertThat(u1.itemIds()).containsExactly("A5", "A4", "A1", "A5");
    assertThat(u1.timestamps()).containsExactly(50L, 100L, 100L, 300L);
    // Ordering ties by item id instead is one filter away.
    assertThat(
            DatasetFilters.sortChronologically(dataset, TieBreak.ITEM_ID).users().get(0).itemIds())
        .containsExactly("A5", "A1", "A4", "A5");
  }

  @Test
  void duplicateReviewsAreKeptUntilAPolicySaysOtherwise() throws IOException {
    Dataset dataset =
        importWith(
            List.of(
                review("U1", "A1", 10),
                review("U1", "A1", 10),
                review("U1", "A4", 20),
                review("U1", "A1", 30)));
    assertThat(dataset.users().get(0).itemIds()).containsExactly("A1", "A1", "A4", "A1");
    assertThat(
            DatasetFilters.deduplicate(dataset, DuplicatePolicy.KEEP_FIRST)
                .users()
                .get(0)
                .itemIds())
        .containsExactly("A1", "A4");
  }

  @Test
  void progressIsReported() throws IOException {
    List<String> reviews = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      reviews.add(review("U" + (i % 50), i % 2 == 0 ? "A1" : "A4", i));
    }
    Files.writeString(dir.resolve("meta_Tools.json"), META);
    Files.write(dir.resolve("Tools_5.json"), reviews);
    List<Long> lines = new ArrayList<>();
    ImportOptions options =
        ImportOptions.defaults()
            .withProgress(
                (file, read, size, n) -> {
                  if (file.endsWith("Tools_5.json")) {
                    lines.add(n);
                  }
                },
                0);
    ImportResult result = Datasets.importAuto(dir, options);
    // Reported every 4096 lines (interval 0 ms), increasing within the file.
    assertThat(lines).hasSizeGreaterThanOrEqualTo(4).isSorted();
    assertThat(result.dataset().interactionCount()).isEqualTo(20_000);
    assertThat(result.report().linesRead()).isEqualTo(20_000 + 6);
    assertThat(result.report().bytesRead())
        .isEqualTo(
            Files.size(dir.resolve("Tools_5.json")) + Files.size(dir.resolve("meta_Tools.json")));
  }

  @Test
  void htmlEntityDecoderDecodesOnceAndKeepsUnknownNames() {
    assertThat(HtmlEntities.decode("A &amp; B &lt;&gt; &quot;x&quot; &#39;y&#39; &#x41;"))
        .isEqualTo("A & B <> \"x\" 'y' A");
    assertThat(HtmlEntities.decode("&amp;amp;")).isEqualTo("&amp;");
    assertThat(HtmlEntities.decode("AT&T; &unknown; & alone")).isEqualTo("AT&T; &unknown; & alone");
    assertThat(HtmlEntities.decode("no entities")).isEqualTo("no entities");
  }
}
