package io.recformer.core.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes the real Amazon Scientific catalog (4,344 items, 8,317 users) with the real MiniLM
 * tokenizer: every item and history must encode and satisfy the layout's invariants. Logs
 * throughput; does not assert it.
 */
class ScientificEncodingTest {

  private static final Logger LOG = LoggerFactory.getLogger(ScientificEncodingTest.class);

  @TempDir Path temp;

  /** The bundled copy under {@code data/} at the repository root. */
  private static Path dataDir() {
    String root = System.getProperty("recformer.repo.root", ".");
    return Paths.get(root)
        .toAbsolutePath()
        .normalize()
        .resolve("data")
        .resolve("amazon-scientific-lcrec");
  }

  private static List<Item> readItems(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode itemsJson = json.readTree(dir.resolve("Scientific.item.json").toFile());
    List<Item> items = new ArrayList<>();
    for (Map.Entry<String, JsonNode> entry : itemsJson.properties()) {
      JsonNode v = entry.getValue();
      items.add(
          Item.of(
              entry.getKey(),
              "title",
              v.path("title").asText(),
              "brand",
              v.path("brand").asText(),
              "category",
              v.path("categories").asText().replace(',', ' ')));
    }
    return items;
  }

  private static List<UserHistory> readHistories(Path dir) throws IOException {
    JsonNode users = new ObjectMapper().readTree(dir.resolve("Scientific.inter.json").toFile());
    List<UserHistory> histories = new ArrayList<>();
    for (Map.Entry<String, JsonNode> entry : users.properties()) {
      List<String> ids = new ArrayList<>();
      entry.getValue().forEach(id -> ids.add(id.asText()));
      histories.add(UserHistory.of(entry.getKey(), ids));
    }
    return histories;
  }

  private static Path requireData() {
    Path dir = dataDir();
    assertThat(dir.resolve("Scientific.item.json"))
        .as("bundled real data (data/ at the repository root)")
        .isRegularFile();
    return dir;
  }

  @Test
  void encodesEveryItemAndHistory() throws IOException {
    Path dir = requireData();
    List<Item> items = readItems(dir);
    assertThat(items).hasSize(4344);
    ItemCatalog catalog = ItemCatalog.of(items);
    List<UserHistory> histories = readHistories(dir);
    assertThat(histories).hasSize(8317);

    RecformerConfig config = RecformerConfig.miniLmL6();
    try (RecformerTokenizer tokenizer =
        RecformerTokenizer.open(TestTokenizers.miniLm(temp), config)) {
      long t0 = System.nanoTime();
      ItemTokenCache cache = new ItemTokenCache(tokenizer, catalog).tokenizeAll();
      long t1 = System.nanoTime();
      int maxItemTokens = config.maxAttributes() * config.maxAttributeTokens();
      List<String> badItems = new ArrayList<>();
      for (int i = 0; i < catalog.size(); i++) {
        TokenizedItem item = cache.get(i);
        boolean ok =
            item.length() >= 3
                && item.length() <= maxItemTokens
                && item.tokenTypeIds()[0] == RecformerConfig.TYPE_KEY;
        for (int id : item.tokenIds()) {
          // Only [UNK] may appear among the special tokens.
          ok &=
              id >= 0
                  && id < tokenizer.vocabSize()
                  && (!tokenizer.isSpecial(id) || id == tokenizer.unkId());
        }
        if (!ok) {
          badItems.add(item.toString());
        }
      }
      assertThat(badItems).isEmpty();
      List<EncodedSequence> sequences = new ArrayList<>(histories.size());
      for (UserHistory history : histories) {
        sequences.add(cache.encodeHistory(history));
      }
      long t2 = System.nanoTime();
      BatchCollator collator = BatchCollator.forLongformer(config, tokenizer.padId());
      long realTokens = 0;
      for (int from = 0; from < sequences.size(); from += 64) {
        EncodedBatch batch =
            collator.collate(sequences.subList(from, Math.min(from + 64, sequences.size())));
        assertThat(batch.length() % config.attentionWindow()).isZero();
        realTokens += batch.realTokens();
      }
      long t3 = System.nanoTime();
      long expectedTokens = 0;
      for (int u = 0; u < histories.size(); u++) {
        EncodedSequence s = sequences.get(u);
        UserHistory history = histories.get(u);
        assertThat(s.length()).isLessThanOrEqualTo(config.maxTokens());
        assertThat(s.inputId(0)).isEqualTo(tokenizer.clsId());
        int kept = Math.min(history.size(), config.maxItems());
        int previous = 0;
        boolean ok = s.itemPositionId(0) == 0 && s.tokenTypeId(0) == RecformerConfig.TYPE_CLS;
        for (int i = 1; i < s.length(); i++) {
          // Item positions climb 1, 2, ... one step at a time and never past the items kept.
          int k = s.itemPositionId(i);
          ok &= k >= Math.max(previous, 1) && k <= Math.min(previous + 1, kept);
          ok &= s.tokenPositionId(i) == i;
          previous = k;
        }
        assertThat(ok).as("layout of user %s: %s", history.userId(), s).isTrue();
        expectedTokens += s.length();
      }
      assertThat(realTokens).isEqualTo(expectedTokens);
      // Spot-check the cached path against tokenizing from scratch.
      for (int u = 0; u < histories.size(); u += 97) {
        assertThat(tokenizer.encodeHistory(catalog.resolve(histories.get(u).itemIds())))
            .isEqualTo(sequences.get(u));
      }
      LOG.info(
          String.format(
              Locale.ROOT,
              "Scientific: %d items tokenized in %.2f s (%.0f items/s); %d histories from cache in"
                  + " %.2f s (%.0f histories/s); collated in %.2f s; %.1f tokens/history",
              catalog.size(),
              (t1 - t0) / 1e9,
              catalog.size() / ((t1 - t0) / 1e9),
              histories.size(),
              (t2 - t1) / 1e9,
              histories.size() / ((t2 - t1) / 1e9),
              (t3 - t2) / 1e9,
              expectedTokens / (double) histories.size()));
    }
  }

  /**
   * Manual throughput measurement after warm-up (slow, opt-in): {@code -Drecformer.slow=true
   * -Dtest=ScientificEncodingTest}. Logs items/s and histories/s; asserts only the counts.
   */
  @Test
  @EnabledIfSystemProperty(named = "recformer.slow", matches = "true")
  void measuresThroughput() throws IOException {
    Path dir = requireData();
    ItemCatalog catalog = ItemCatalog.of(readItems(dir));
    List<UserHistory> histories = readHistories(dir);
    RecformerConfig config = RecformerConfig.miniLmL6();
    try (RecformerTokenizer tokenizer =
        RecformerTokenizer.open(TestTokenizers.miniLm(temp), config)) {
      BatchCollator collator = BatchCollator.forLongformer(config, tokenizer.padId());
      for (int round = 1; round <= 3; round++) {
        long t0 = System.nanoTime();
        ItemTokenCache cache = new ItemTokenCache(tokenizer, catalog).tokenizeAll();
        long t1 = System.nanoTime();
        List<EncodedSequence> sequences = new ArrayList<>(histories.size());
        for (UserHistory history : histories) {
          sequences.add(cache.encodeHistory(history));
        }
        long t2 = System.nanoTime();
        int batches = 0;
        for (int from = 0; from < sequences.size(); from += 64) {
          collator.collate(sequences.subList(from, Math.min(from + 64, sequences.size())));
          batches++;
        }
        long t3 = System.nanoTime();
        long t4 = System.nanoTime();
        int direct = 0;
        for (int u = 0; u < histories.size(); u += 10) {
          tokenizer.encodeHistory(catalog.resolve(histories.get(u).itemIds()));
          direct++;
        }
        long t5 = System.nanoTime();
        assertThat(sequences).hasSize(8317);
        LOG.info(
            String.format(
                Locale.ROOT,
                "round %d: tokenize %.0f items/s; histories from cache %.0f/s;"
                    + " collate %.0f batches of 64/s; histories tokenized from scratch %.0f/s",
                round,
                catalog.size() / ((t1 - t0) / 1e9),
                histories.size() / ((t2 - t1) / 1e9),
                batches / ((t3 - t2) / 1e9),
                direct / ((t5 - t4) / 1e9)));
      }
    }
  }
}
