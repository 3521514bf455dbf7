package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.AttributeLayout;
import io.recformer.core.item.Item;
import io.recformer.core.item.UserHistory;
import io.recformer.data.TestData;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.filter.DatasetFilters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The importers for formats we have no real files of (Amazon 2018 raw, ratings CSV, original
 * Recformer, standard RecBole) run on committed fixtures that re-serialize a real slice of the
 * bundled UniSRec Scientific data (see {@link FixtureGenerator}: real ASINs, reviewer ids, titles,
 * brands and categories; synthetic timestamps strictly increasing in sequence order; review lines
 * shuffled). The oracle is the same slice read by the UniSRec importer.
 */
class RealFixtureImportTest {

  private static Dataset expected;
  private static Path fixtures;

  @BeforeAll
  static void slice() throws IOException {
    expected = FixtureGenerator.slice(Datasets.importAuto(TestData.unisrec()).dataset());
    fixtures = TestData.repoRoot().resolve("recformer-data/src/test/resources/fixtures");
  }

  @Test
  void rawAmazonGzipRebuildsTheRealSequencesWithTimestamps() throws IOException {
    ImportResult result = Datasets.importAuto(fixtures.resolve("amazon-raw-gz"));
    assertThat(result.report().format()).isEqualTo("amazon-2018-raw");
    assertSameSequences(result.dataset(), true);
    assertSameItems(result.dataset());
    assertThat(result.report().count("dropped.item-without-interactions")).isEqualTo(1);
    assertThat(result.report().skippedLines()).isZero();
    // Descriptions are kept after the paper's three attributes, list joined with a space.
    Item first = result.dataset().items().get("B00TNNWMXI");
    assertThat(first.attributes())
        .extracting(a -> a.key())
        .containsExactly("title", "brand", "category", "description");
    assertThat(first.attribute("description"))
        .contains("Synthetic description of B00TNNWMXI. Second paragraph.");
    // The metadata has "Industrial &amp; Scientific ..."; the dataset has the decoded text.
    assertThat(first.attribute("category")).get().asString().startsWith("Industrial & Scientific ");
  }

  @Test
  void rawAmazonPlainAndGzipGiveTheSameContent() throws IOException {
    Dataset gz = Datasets.importAuto(fixtures.resolve("amazon-raw-gz")).dataset();
    Dataset plain = Datasets.importAuto(fixtures.resolve("amazon-raw-plain")).dataset();
    assertThat(plain.fingerprint()).isEqualTo(gz.fingerprint());
  }

  @Test
  void ratingsCsvRebuildsTheRealSequences() throws IOException {
    ImportResult result = Datasets.importAuto(fixtures.resolve("amazon-ratings"));
    assertThat(result.report().format()).isEqualTo("amazon-2018-raw");
    assertSameSequences(result.dataset(), true);
    assertSameItems(result.dataset());
  }

  @Test
  void originalRecformerFormRebuildsTheRealSequences() throws IOException {
    ImportResult result = Datasets.importAuto(fixtures.resolve("recformer-original"));
    assertThat(result.report().format()).isEqualTo("recformer-original");
    assertSameSequences(result.dataset(), false);
    assertSameItems(result.dataset());
    // Same users in the same order as umap.json (the slice order).
    assertThat(result.dataset().users())
        .extracting(UserHistory::userId)
        .containsExactlyElementsOf(expected.users().stream().map(UserHistory::userId).toList());
  }

  @Test
  void recBoleAtomicFilesRebuildTheRealSequences() throws IOException {
    ImportResult result = Datasets.importAuto(fixtures.resolve("recbole"));
    assertThat(result.report().format()).isEqualTo("recbole-atomic");
    assertSameSequences(result.dataset(), true);
    assertSameItems(result.dataset());
  }

  @Test
  void allFormatsAgreeUnderThePaperLayout() throws IOException {
    // After selecting the paper's attributes and dropping timestamps, every format's slice has the
    // same
    // items; the raw and RecBole forms also agree on sequences and timestamps exactly.
    Dataset raw =
        DatasetFilters.selectAttributes(
            Datasets.importAuto(fixtures.resolve("amazon-raw-gz")).dataset(),
            AttributeLayout.PAPER);
    Dataset recbole =
        DatasetFilters.selectAttributes(
            Datasets.importAuto(fixtures.resolve("recbole")).dataset(), AttributeLayout.PAPER);
    Map<String, Item> rawItems = byId(raw.items().items());
    Map<String, Item> recboleItems = byId(recbole.items().items());
    assertThat(rawItems).isEqualTo(recboleItems);
    assertThat(byUser(raw.users())).isEqualTo(byUser(recbole.users()));
  }

  private static void assertSameSequences(Dataset actual, boolean timestamps) {
    assertThat(actual.userCount()).isEqualTo(FixtureGenerator.USERS);
    assertThat(actual.interactionCount()).isEqualTo(expected.interactionCount());
    Map<String, UserHistory> byUser = byUser(actual.users());
    for (int u = 0; u < expected.userCount(); u++) {
      UserHistory want = expected.users().get(u);
      UserHistory got = byUser.get(want.userId());
      assertThat(got).as("user %s", want.userId()).isNotNull();
      assertThat(got.itemIds()).as("user %s", want.userId()).isEqualTo(want.itemIds());
      if (timestamps) {
        for (int p = 0; p < got.size(); p++) {
          assertThat(got.timestamps().get(p)).isEqualTo(FixtureGenerator.timestamp(u, p));
        }
      } else {
        assertThat(got.hasTimestamps()).isFalse();
      }
    }
  }

  private static void assertSameItems(Dataset actual) {
    assertThat(actual.itemCount()).isEqualTo(expected.itemCount());
    for (Item want : expected.items().items()) {
      Item got = actual.items().get(want.id());
      for (String key : List.of("title", "brand", "category")) {
        assertThat(got.attribute(key))
            .as("%s of %s", key, want.id())
            .isEqualTo(want.attribute(key));
      }
    }
  }

  private static Map<String, UserHistory> byUser(List<UserHistory> users) {
    return users.stream().collect(Collectors.toMap(UserHistory::userId, Function.identity()));
  }

  private static Map<String, Item> byId(List<Item> items) {
    return items.stream().collect(Collectors.toMap(Item::id, Function.identity()));
  }

  @Test
  void everyImporterReproducesTheFullScientificCounts(@TempDir Path temp) throws IOException {
    // The whole UniSRec Scientific data re-serialized in every other format (as the fixtures are)
    // imports back to the published 8,442 / 4,385 / 59,427 with identical sequences.
    Dataset full = Datasets.importAuto(TestData.unisrec()).dataset();
    FixtureGenerator.write(full, temp);
    Map<String, UserHistory> want = byUser(full.users());
    for (String format :
        List.of(
            "amazon-raw-gz",
            "amazon-raw-plain",
            "amazon-ratings",
            "recformer-original",
            "recbole")) {
      Dataset got = Datasets.importAuto(temp.resolve(format)).dataset();
      assertThat(new long[] {got.userCount(), got.itemCount(), got.interactionCount()})
          .as(format)
          .containsExactly(8_442, 4_385, 59_427);
      Map<String, UserHistory> byUser = byUser(got.users());
      for (UserHistory user : want.values()) {
        assertThat(byUser.get(user.userId()).itemIds())
            .as("%s user %s", format, user.userId())
            .isEqualTo(user.itemIds());
      }
    }
  }
}
