package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.item.ItemCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code import.*} entries: names, values and their fixed order. */
class ProvenanceBuilderTest {

  private static ImportReport report(Map<String, Long> counts) {
    return new ImportReport("f", List.of(), 0, 0, Duration.ZERO, counts);
  }

  @Test
  void formatFirstOwnEntriesInOrderCountsLast() {
    Map<String, String> entries =
        new ProvenanceBuilder("recbole-atomic")
            .put("prefix", "Shop")
            .file("itemFile", Path.of("data", "sub", "Games.item"))
            .build(report(Map.of("dropped.b", 2L, "dropped.a", 1L)));

    assertThat(entries)
        .containsExactly(
            Map.entry("import.format", "recbole-atomic"),
            Map.entry("import.prefix", "Shop"),
            Map.entry("import.itemFile", "Games.item"),
            Map.entry("import.counts", "{dropped.a=1, dropped.b=2}"));
  }

  @Test
  void onlyFormatAndCountsWhenNothingElseIsAdded() {
    assertThat(new ProvenanceBuilder("recformer-original").build(report(Map.of())))
        .containsExactly(
            Map.entry("import.format", "recformer-original"), Map.entry("import.counts", "{}"));
  }

  @Test
  void refusesToOverwriteAnEntry() {
    ProvenanceBuilder builder = new ProvenanceBuilder("x").put("prefix", "A");

    assertThatThrownBy(() -> builder.put("prefix", "B"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("import.prefix");
    assertThatThrownBy(() -> builder.put("format", "y")).hasMessageContaining("import.format");
    assertThatThrownBy(() -> builder.put("counts", "{}")).hasMessageContaining("import.counts");
  }

  @Test
  void theImportedDatasetCarriesTheEntries() {
    ImportRun run = new ImportRun("json-sequences", ImportOptions.defaults());
    run.count("dropped.user-without-known-items");
    ImportResult result =
        run.result(
            () -> "Shop",
            ItemCatalog.of(List.of()),
            List.of(),
            run.provenance().put("items", "Shop.item.json"));

    assertThat(result.dataset().name()).isEqualTo("Shop");
    assertThat(result.dataset().provenance())
        .containsExactly(
            Map.entry("import.format", "json-sequences"),
            Map.entry("import.items", "Shop.item.json"),
            Map.entry("import.counts", "{dropped.user-without-known-items=1}"));
  }
}
