package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.recformer.core.item.AttributeLayout;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import io.recformer.core.item.UserHistory;
import io.recformer.data.TestData;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.filter.DatasetFilters;
import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RecBole atomic files in general: every text column becomes an attribute, columns can be renamed,
 * field names follow RecBole's settings, ratings can be thresholded and a .user file is counted.
 * Fixtures under {@code fixtures/recbole-ml-like} (the shape of RecBole's ml-100k) and {@code
 * fixtures/recbole-books} (ids that look like numbers, other column names).
 */
class RecBoleGeneralTest {

  @TempDir Path dir;

  private static final Path ML = fixture("recbole-ml-like");
  private static final Path BOOKS = fixture("recbole-books");

  private static Path fixture(String name) {
    return TestData.repoRoot().resolve("recformer-data/src/test/resources/fixtures/" + name);
  }

  private static ImportResult importWith(Path directory, RecBoleFields fields) throws IOException {
    return Datasets.importAuto(directory, ImportOptions.defaults().withRecBoleFields(fields));
  }

  private static List<String> keys(Item item) {
    return item.attributes().stream().map(ItemAttribute::key).toList();
  }

  private Path copy(Path source) throws IOException {
    try (var files = Files.list(source)) {
      for (Path file : files.toList()) {
        Files.copy(file, dir.resolve(file.getFileName()));
      }
    }
    return dir;
  }

  @Test
  void everyTextColumnBecomesAnAttributeInHeaderOrder() throws IOException {
    ImportResult result = Datasets.importAuto(ML);
    Dataset dataset = result.dataset();
    assertThat(result.report().format()).isEqualTo("recbole-atomic");
    // Item 40 has only blank text: dropped, and so is its one interaction.
    assertThat(dataset.items().items())
        .extracting(Item::id)
        .containsExactly("10", "20", "30", "50");
    assertThat(result.report().count("dropped.item-without-text")).isEqualTo(1);
    assertThat(result.report().count("dropped.interaction-item-without-text")).isEqualTo(1);
    Item first = dataset.items().get("10");
    assertThat(keys(first)).containsExactly("movie_title", "release_year", "class");
    assertThat(first.attribute("class")).contains("Animation Children's Comedy");
    assertThat(first.attribute("release_year")).contains("1995");
    // The .user file is not used but its rows are counted.
    assertThat(result.report().count("ignored.user-file-rows")).isEqualTo(3);
    assertThat(result.report().sources()).anyMatch(s -> s.endsWith("ml-mini.user"));
    // Sorted by timestamp; every interaction is kept without a rating threshold.
    assertThat(dataset.users())
        .extracting(UserHistory::userId, UserHistory::itemIds)
        .containsExactly(
            tuple("1", List.of("30", "10", "20")),
            tuple("2", List.of("10", "30")),
            tuple("3", List.of("20")));
    assertThat(dataset.users().get(0).timestamps())
        .containsExactly(881250800L, 881250949L, 881250950L);
  }

  @Test
  void mappedColumnsMinimumRatingAndAttributeSelection() throws IOException {
    RecBoleFields fields =
        RecBoleFields.defaults()
            .withAttributeNames(Map.of("movie_title", "title", "class", "category"))
            .withMinRating(3.0);
    ImportResult result = importWith(ML, fields);
    Dataset dataset = result.dataset();
    assertThat(keys(dataset.items().get("20")))
        .containsExactly("title", "release_year", "category");
    assertThat(dataset.items().get("20").title()).isEqualTo("The Quiet Harbor");
    // Ratings 2 (user 1, item 20) and 1 (user 2, item 10) are below 3.
    assertThat(result.report().count("dropped.interaction-below-min-rating")).isEqualTo(2);
    assertThat(dataset.users().get(0).itemIds()).containsExactly("30", "10");
    assertThat(dataset.users().get(1).itemIds()).containsExactly("30");
    assertThat(dataset.interactionCount()).isEqualTo(4);
    assertThat(dataset.provenance().get("import.fields")).contains("minRating=3.0");
    // The keep/order selection then works on the mapped keys.
    Dataset selected =
        DatasetFilters.selectAttributes(dataset, new AttributeLayout(List.of("category", "title")));
    assertThat(keys(selected.items().get("30"))).containsExactly("category", "title");
  }

  @Test
  void otherFieldNamesAndIdsThatLookLikeNumbersAreKeptVerbatim() throws IOException {
    RecBoleFields fields =
        new RecBoleFields("reader", "book", "read_at", "stars", 3.0, Map.of("name", "title"));
    ImportResult result = importWith(BOOKS, fields);
    Dataset dataset = result.dataset();
    assertThat(dataset.items().items()).extracting(Item::id).containsExactly("007", "2.50", "1e3");
    // price:float and page_counts:float_seq are not text.
    assertThat(keys(dataset.items().get("007"))).containsExactly("title", "writer", "genres");
    assertThat(dataset.users()).extracting(UserHistory::userId).containsExactly("1.0", "10");
    assertThat(dataset.users().get(0).itemIds()).containsExactly("2.50", "007");
    // Fractional timestamps are truncated to seconds.
    assertThat(dataset.users().get(0).timestamps()).containsExactly(1599999999L, 1600000000L);
    // User 10 rated 1e3 with 2.0 stars.
    assertThat(dataset.users().get(1).itemIds()).containsExactly("2.50");
    assertThat(result.report().count("dropped.interaction-below-min-rating")).isEqualTo(1);
  }

  @Test
  void defaultFieldNamesMissFilesWithOtherNames() {
    assertThatThrownBy(() -> Datasets.importAuto(BOOKS))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "books-mini.item, line 1, field 'item_id': header 'book:token\tname:token_seq");
  }

  @Test
  void minimumRatingWithoutRatingColumnIsAClearError() throws IOException {
    copy(ML);
    Files.writeString(
        dir.resolve("ml-mini.inter"), "user_id:token\titem_id:token\tstamp:float\n1\t10\t5\n");
    assertThatThrownBy(() -> importWith(dir, RecBoleFields.defaults().withMinRating(4.0)))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "ml-mini.inter, line 1, field 'rating': header"
                + " 'user_id:token\titem_id:token\tstamp:float' has no column 'rating'; expected"
                + " a rating column 'rating:float' for the minimum rating 4.0");
    // A time field set explicitly must exist; the default one may be absent.
    RecBoleFields time = new RecBoleFields("user_id", "item_id", "time", "rating", null, Map.of());
    assertThatThrownBy(() -> importWith(dir, time))
        .hasMessageContaining("ml-mini.inter, line 1, field 'time': header")
        .hasMessageContaining("(time field set explicitly)");
    assertThat(Datasets.importAuto(dir).dataset().hasTimestamps()).isFalse();
  }

  @Test
  void badRatingNamesLineAndField() throws IOException {
    copy(ML);
    Files.writeString(
        dir.resolve("ml-mini.inter"),
        "user_id:token\titem_id:token\trating:float\n1\t10\t5\n1\t20\tfive\n2\t30\t4\n");
    RecBoleFields fields = RecBoleFields.defaults().withMinRating(3.0);
    assertThatThrownBy(() -> importWith(dir, fields))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "ml-mini.inter, line 3, field 'rating': expected a number, got 'five'");
    ImportResult lenient =
        Datasets.importAuto(dir, ImportOptions.lenient().withRecBoleFields(fields));
    assertThat(lenient.report().count("skipped.bad-value")).isEqualTo(1);
    assertThat(lenient.dataset().interactionCount()).isEqualTo(2);
  }

  @Test
  void itemFileWithoutTextColumnIsRefused() throws IOException {
    Files.writeString(dir.resolve("X.item"), "item_id:token\tprice:float\nA\t1.5\n");
    Files.writeString(dir.resolve("X.inter"), "user_id:token\titem_id:token\nU\tA\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir, ImportOptions.lenient()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "X.item, line 1: header 'item_id:token\tprice:float' has no text column besides the"
                + " item id 'item_id': expected at least one column of type token or token_seq");
    Files.writeString(dir.resolve("X.item"), "item_id:token\tdescription:token_seq\nA\tLong\n");
    assertThatThrownBy(
            () -> Datasets.importAuto(dir, ImportOptions.defaults().withKeepDescription(false)))
        .hasMessageContaining("other than description (keepDescription off)");
  }

  @Test
  void mappingErrorsNameTheColumnAndHeader() throws IOException {
    copy(ML);
    assertThatThrownBy(
            () ->
                importWith(
                    dir, RecBoleFields.defaults().withAttributeNames(Map.of("titel", "title"))))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "ml-mini.item, line 1, field 'titel': the attribute mapping names column 'titel', but"
                + " header 'item_id:token\tmovie_title:token_seq")
        .hasMessageContaining("has no column 'titel'");
    Files.writeString(
        dir.resolve("ml-mini.item"),
        "item_id:token\tmovie_title:token_seq\tscore:float\n10\tA\t1\n20\tB\t2\n");
    assertThatThrownBy(
            () ->
                importWith(
                    dir, RecBoleFields.defaults().withAttributeNames(Map.of("score", "title"))))
        .hasMessageContaining("has 'score' of type float, which is not text (token or token_seq)");
    assertThatThrownBy(
            () -> RecBoleFields.defaults().withAttributeNames(Map.of("a", "title", "b", "title")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("are both mapped to attribute 'title'");
  }

  @Test
  void mappedNameWinsOverAColumnOfThatName() throws IOException {
    Files.writeString(
        dir.resolve("X.item"),
        "item_id:token\ttitle:token_seq\tname:token_seq\nA\tshort\tGlue Stick, 8 oz\n");
    Files.writeString(dir.resolve("X.inter"), "user_id:token\titem_id:token\nU\tA\n");
    Item item =
        importWith(dir, RecBoleFields.defaults().withAttributeNames(Map.of("name", "title")))
            .dataset()
            .items()
            .get("A");
    assertThat(item.attributes()).containsExactly(new ItemAttribute("title", "Glue Stick, 8 oz"));
    // Two unmapped columns with the same key are ambiguous.
    Files.writeString(
        dir.resolve("X.item"),
        "item_id:token\tcategory:token_seq\tcategories:token_seq\nA\tTools\tTools Glue\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining(
            "X.item, line 1, field 'categories': columns 'category' and 'categories' of header")
        .hasMessageContaining("both give attribute 'category'; map one of them to another name");
    // A column mapped to that key settles it: both unmapped ones are left out.
    Files.writeString(
        dir.resolve("X.item"),
        "item_id:token\tcategory:token_seq\tcategories:token_seq\tclass:token\nA\tT\tT G\tGlue\n");
    Item mapped =
        importWith(dir, RecBoleFields.defaults().withAttributeNames(Map.of("class", "category")))
            .dataset()
            .items()
            .get("A");
    assertThat(mapped.attributes()).containsExactly(new ItemAttribute("category", "Glue"));
  }

  @Test
  void fieldOptionsAreRefusedForFormatsThatHaveNoSuchColumns() {
    ImportOptions options =
        ImportOptions.defaults().withRecBoleFields(RecBoleFields.defaults().withMinRating(4.0));
    assertThatThrownBy(() -> Datasets.importAuto(TestData.office(), options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds json-sequences files; column names, attribute names and a")
        .hasMessageContaining("apply only to RecBole atomic files");
  }
}
