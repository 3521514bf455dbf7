package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
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

/**
 * The bundled real datasets import with the published counts (reference section 7; LLMRank's Games
 * counts in its PROVENANCE.txt).
 */
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

  @Test
  void llmrankGamesHasPublishedCounts() throws IOException {
    ImportResult result = Datasets.importAuto(TestData.games());
    Dataset dataset = result.dataset();
    assertThat(result.report().format()).isEqualTo("sequential-split-atomic");
    assertThat(dataset.userCount()).isEqualTo(50_546);
    assertThat(dataset.itemCount()).isEqualTo(16_859);
    assertThat(dataset.interactionCount()).isEqualTo(440_264);
    assertThat(result.report().skippedLines()).isZero();
    assertThat(dataset.hasTimestamps()).isFalse();
    assertThat(dataset.provenance()).containsEntry("import.itemFile", "Games.item");
    // Test row "0<TAB>0 1 ... 13<TAB>14"; valid row "0<TAB>0 1 ... 12<TAB>13".
    assertThat(dataset.users().get(0).userId()).isEqualTo("0");
    assertThat(dataset.users().get(0).itemIds())
        .containsExactly(
            "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14");
    // Line 29 of the test file: user 27 with a history cut to 49 items; item 260 appears in the
    // middle.
    UserHistory capped =
        dataset.users().stream().filter(u -> u.userId().equals("27")).findFirst().orElseThrow();
    assertThat(capped.size()).isEqualTo(50);
    assertThat(capped.itemIds().subList(0, 3)).containsExactly("388", "389", "390");
    assertThat(capped.itemIds().subList(13, 16)).containsExactly("401", "260", "402");
    assertThat(capped.itemIds().subList(47, 50)).containsExactly("74", "434", "435");
    assertThat(dataset.items().get("0").attributes())
        .containsExactly(new ItemAttribute("title", "Fire Emblem: The Sacred Stones"));
    // Entities decoded: "Phantasy Star Online, Episode I &amp; II".
    assertThat(dataset.items().get("11").title()).isEqualTo("Phantasy Star Online, Episode I & II");
  }

  @Test
  void llmrankGamesSequencesMatchTheTestFileRows() throws IOException {
    // Independent oracle: every test row read with plain string handling, history then target.
    Dataset dataset = Datasets.importAuto(TestData.games()).dataset();
    List<String> rows = Files.readAllLines(TestData.games().resolve("Games-6k.test.inter"));
    assertThat(rows).hasSize(50_547);
    List<String> expectedUsers = new ArrayList<>();
    List<List<String>> expected = new ArrayList<>();
    for (String row : rows.subList(1, rows.size())) {
      String[] fields = row.split("\t", -1);
      List<String> sequence = new ArrayList<>(List.of(fields[1].split(" ", -1)));
      sequence.add(fields[2]);
      expectedUsers.add(fields[0]);
      expected.add(sequence);
    }
    assertThat(dataset.users()).extracting(UserHistory::userId).isEqualTo(expectedUsers);
    assertThat(dataset.users()).extracting(UserHistory::itemIds).isEqualTo(expected);
  }
}
