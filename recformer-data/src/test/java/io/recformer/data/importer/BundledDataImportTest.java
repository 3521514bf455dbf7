package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.Item;
import io.recformer.core.item.UserHistory;
import io.recformer.data.TestData;
import io.recformer.data.dataset.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The three bundled real datasets import with the published counts (reference section 7). */
class BundledDataImportTest {

  @Test
  void unisrecScientificHasPublishedCounts() throws IOException {
    ImportResult result = Datasets.importAuto(TestData.unisrec());
    Dataset dataset = result.dataset();
    assertThat(result.report().format()).isEqualTo("unisrec-atomic");
    assertThat(dataset.userCount()).isEqualTo(8_442);
    assertThat(dataset.itemCount()).isEqualTo(4_385);
    assertThat(dataset.interactionCount()).isEqualTo(59_427);
    assertThat(result.report().skippedLines()).isZero();
    assertThat(dataset.hasTimestamps()).isFalse();
    int max = dataset.users().stream().mapToInt(UserHistory::size).max().orElseThrow();
    int min = dataset.users().stream().mapToInt(UserHistory::size).min().orElseThrow();
    // Test rows cut histories to 50 items; three users have longer sequences, rebuilt from train
    // rows.
    assertThat(max).isEqualTo(80);
    assertThat(dataset.users().stream().filter(u -> u.size() > 51).count()).isEqualTo(3);
    assertThat(min).isEqualTo(5);
    // Users and items carry the real Amazon ids from user2index / item2index.
    assertThat(dataset.users().get(0).userId()).isEqualTo("ABW8NXS7SV55K");
    assertThat(dataset.items().get(0).id()).isEqualTo("B00TNNWMXI");
    assertThat(dataset.items().indexOf("B0000223UV")).isPresent();
  }

  @Test
  void unisrecSequencesMatchTheTestFileRows() throws IOException {
    // Independent oracle: each test row (history + target) is the full sequence when the history
    // is shorter than 50, read here with plain string handling.
    Dataset dataset = Datasets.importAuto(TestData.unisrec()).dataset();
    List<String> asins =
        Files.readAllLines(TestData.unisrec().resolve("Scientific.item2index")).stream()
            .map(l -> l.split("\t", -1)[0])
            .toList();
    List<String> rows = Files.readAllLines(TestData.unisrec().resolve("Scientific.test.inter"));
    int checked = 0;
    for (String row : rows.subList(1, rows.size())) {
      String[] fields = row.split("\t", -1);
      int user = Integer.parseInt(fields[0]);
      String[] history = fields[1].split(" ", -1);
      if (history.length >= 50) {
        continue;
      }
      List<String> expected = new ArrayList<>();
      for (String h : history) {
        expected.add(asins.get(Integer.parseInt(h)));
      }
      expected.add(asins.get(Integer.parseInt(fields[2])));
      assertThat(dataset.users().get(user).itemIds()).as("user %d", user).isEqualTo(expected);
      checked++;
    }
    assertThat(checked).isGreaterThan(8_400);
  }

  @Test
  void unisrecTextIsSplitFromTheRight() throws IOException {
    Dataset dataset = Datasets.importAuto(TestData.unisrec()).dataset();
    // "24 Oz. Sprayer Bottles, Pack Of 3. Industrial & Scientific Lab & ... Lab Bottles & Jars.
    // Continental. "
    Item sprayer = dataset.items().get("B00008VXNE");
    assertThat(sprayer.title()).isEqualTo("24 Oz. Sprayer Bottles, Pack Of 3");
    assertThat(sprayer.attribute("brand")).contains("Continental");
    assertThat(sprayer.attribute("category"))
        .contains(
            "Industrial & Scientific Lab & Scientific Products Glassware & Labware Lab Bottles &"
                + " Jars");
    // Empty categories: "Schwinn Roadster Kid's Tricycle, 12-Inch Wheel. . Schwinn. "
    Item tricycle = dataset.items().get("B000FH2Y9S");
    assertThat(tricycle.title()).isEqualTo("Schwinn Roadster Kid's Tricycle, 12-Inch Wheel");
    assertThat(tricycle.attribute("category")).isEmpty();
    assertThat(tricycle.attribute("brand")).contains("Schwinn");
    assertThat(tricycle.attributes()).extracting(a -> a.key()).containsExactly("title", "brand");
  }

  @Test
  void lcrecScientificHasPublishedCounts() throws IOException {
    ImportResult result = Datasets.importAuto(TestData.lcrec());
    Dataset dataset = result.dataset();
    assertThat(result.report().format()).isEqualTo("json-sequences");
    assertThat(dataset.userCount()).isEqualTo(8_317);
    assertThat(dataset.itemCount()).isEqualTo(4_344);
    assertThat(dataset.interactionCount()).isEqualTo(58_492);
    Item first = dataset.items().get("0");
    assertThat(first.title()).startsWith("SUPCO SPP6 Relay/Capacitor Hard Start Kit");
    assertThat(first.attributes())
        .extracting(a -> a.key())
        .containsExactly("title", "brand", "category", "description");
    assertThat(first.attribute("category"))
        .contains("Industrial & Scientific,Industrial Electrical,Passive Components,Capacitors");
    assertThat(dataset.users().get(0).itemIds())
        .containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8");
  }

  @Test
  void office2014HasPublishedCounts() throws IOException {
    ImportResult result = Datasets.importAuto(TestData.office());
    Dataset dataset = result.dataset();
    assertThat(dataset.userCount()).isEqualTo(4_905);
    assertThat(dataset.itemCount()).isEqualTo(2_420);
    assertThat(dataset.interactionCount()).isEqualTo(53_258);
    Set<String> used = new HashSet<>();
    dataset.users().forEach(u -> used.addAll(u.itemIds()));
    assertThat(used).hasSize(2_420);
    // Three Office items have an empty title but other text; the published form keeps them.
    assertThat(result.report().count("kept.item-without-title")).isEqualTo(3);
    assertThat(dataset.items().get("1786").attributes())
        .extracting(a -> a.key())
        .containsExactly("category");
    // HTML entities in the Office text are decoded once: raw "Quartet&reg; Chalkboard, 14&quot; x
    // 14&quot;, ...".
    assertThat(dataset.items().get("13").title())
        .isEqualTo("Quartet\u00ae Chalkboard, 14\" x 14\", Wood Finish Frame (90006)");
    // Python's html.unescape (the oracle) leaves exactly two double-encoded values with an entity.
    long stillEncoded =
        dataset.items().items().stream()
            .flatMap(i -> i.attributes().stream())
            .filter(
                a ->
                    a.value().contains("&quot;")
                        || a.value().contains("&amp;")
                        || a.value().contains("&reg;"))
            .count();
    assertThat(stillEncoded).isEqualTo(2);
  }

  @Test
  void entityDecodingCanBeTurnedOff() throws IOException {
    Dataset raw =
        Datasets.importAuto(
                TestData.office(), ImportOptions.defaults().withDecodeHtmlEntities(false))
            .dataset();
    assertThat(raw.items().items())
        .anyMatch(i -> i.attributes().stream().anyMatch(a -> a.value().contains("&quot;")));
  }
}
