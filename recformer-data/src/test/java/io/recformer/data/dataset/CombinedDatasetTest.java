package io.recformer.data.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.importer.Datasets;
import io.recformer.data.importer.ImportOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CombinedDatasetTest {

  /** Two domains that reuse the same item id "1" and the same user id "u1" for different things. */
  private static Dataset office() {
    return Dataset.of(
        "office",
        ItemCatalog.of(List.of(Item.of("1", "title", "stapler"), Item.of("2", "title", "pen"))),
        List.of(
            new UserHistory("u1", List.of("1", "2"), List.of(10L, 20L)),
            UserHistory.of("u2", List.of("2", "1", "2"))),
        Map.of("importer", "test-office"));
  }

  private static Dataset games() {
    return Dataset.of(
        "games",
        ItemCatalog.of(List.of(Item.of("1", "title", "chess"), Item.of("3", "title", "go"))),
        List.of(UserHistory.of("u1", List.of("3", "1"))),
        Map.of("importer", "test-games"));
  }

  @Test
  void idsAreNamespacedSoSharedIdsNeverCollide() {
    Dataset combined =
        CombinedDataset.of(
            List.of(
                new CombinedDataset.Source("office", office()),
                new CombinedDataset.Source("games", games())));
    assertEquals(4, combined.itemCount(), "item '1' of each domain stays a separate item");
    assertEquals("stapler", combined.items().get("office/1").title());
    assertEquals("chess", combined.items().get("games/1").title());
    assertEquals(3, combined.userCount());
    assertEquals(
        List.of("office/u1", "office/u2", "games/u1"),
        combined.users().stream().map(UserHistory::userId).toList());
    // Histories stay within their domain, in order, with their timestamps.
    assertEquals(List.of("office/1", "office/2"), combined.users().get(0).itemIds());
    assertEquals(List.of(10L, 20L), combined.users().get(0).timestamps());
    assertEquals(List.of("games/3", "games/1"), combined.users().get(2).itemIds());
    assertEquals(7, combined.interactionCount());
    assertEquals("office+games", combined.name());
    assertEquals("games", CombinedDataset.namespaceOf("games/1"));
  }

  @Test
  void provenanceNamesEverySourceWithItsFingerprint() {
    Dataset combined =
        CombinedDataset.of(
            List.of(
                new CombinedDataset.Source("office", office()),
                new CombinedDataset.Source("games", games())));
    Map<String, String> p = combined.provenance();
    assertEquals("2", p.get("combined.sources"));
    assertEquals("office", p.get("combined.source.1.namespace"));
    assertEquals(office().fingerprint(), p.get("combined.source.1.fingerprint"));
    assertEquals("test-office", p.get("combined.source.1.importer"));
    assertEquals(games().fingerprint(), p.get("combined.source.2.fingerprint"));
    assertEquals("1 users, 2 items, 2 interactions", p.get("combined.source.2.counts"));
    // Order matters to the content (and so to the fingerprint a resumed run checks).
    Dataset swapped =
        CombinedDataset.of(
            List.of(
                new CombinedDataset.Source("games", games()),
                new CombinedDataset.Source("office", office())));
    assertNotEquals(combined.fingerprint(), swapped.fingerprint());
  }

  @Test
  void refusesDuplicateOrBadNamespaces() {
    IllegalArgumentException twice =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CombinedDataset.of(
                    List.of(
                        new CombinedDataset.Source("d", office()),
                        new CombinedDataset.Source("d", games()))));
    assertTrue(twice.getMessage().contains("share the namespace 'd'"), twice.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new CombinedDataset.Source("a/b", games()));
    assertThrows(IllegalArgumentException.class, () -> CombinedDataset.of(List.of()));
  }

  @Test
  void openCombinedNamesSourcesByDirectory(@TempDir Path dir) throws Exception {
    office().write(dir.resolve("office-2014"));
    games().write(dir.resolve("games-2018"));
    Dataset combined =
        Datasets.openCombined(
            List.of(dir.resolve("office-2014"), dir.resolve("games-2018")),
            ImportOptions.defaults());
    assertEquals("office-2014+games-2018", combined.name());
    assertTrue(combined.items().contains("games-2018/3"));
    assertEquals("u2", combined.users().get(1).userId().substring("office-2014/".length()));
    office().write(dir.resolve("x").resolve("office-2014"));
    IllegalArgumentException same =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Datasets.openCombined(
                    List.of(dir.resolve("office-2014"), dir.resolve("x").resolve("office-2014")),
                    ImportOptions.defaults()));
    assertTrue(same.getMessage().contains("office-2014"), same.getMessage());
  }
}
