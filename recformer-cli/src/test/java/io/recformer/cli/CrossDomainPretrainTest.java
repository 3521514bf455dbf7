package io.recformer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.CombinedDataset;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.importer.ImportOptions;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.model.RecformerModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code recformer pretrain} on two datasets at once (the paper grid's cross-domain start). */
class CrossDomainPretrainTest {

  private static final Path DATA =
      Path.of(System.getProperty("recformer.repo.root", ".."))
          .resolve("data")
          .resolve("amazon-scientific-unisrec");

  @TempDir Path temp;

  /** The first {@code count} users with at least 3 items, catalog cut to their items. */
  private static Dataset slice(Dataset all, String name, int from, int count) {
    List<UserHistory> chosen = new ArrayList<>();
    Set<String> used = new LinkedHashSet<>();
    int seen = 0;
    for (UserHistory u : all.users()) {
      if (u.size() >= 3 && seen++ >= from && chosen.size() < count) {
        chosen.add(u);
        used.addAll(u.itemIds());
      }
    }
    List<Item> items = new ArrayList<>();
    used.forEach(id -> items.add(all.items().get(id)));
    return Dataset.of(name, ItemCatalog.of(items), chosen);
  }

  @Test
  void pretrainsOnTwoDatasetsWithNamespacedIdsAndRecordsBothSources() throws Exception {
    Dataset all = Datasets.importAuto(DATA).dataset();
    // Two "domains" cut from the same data: they share item ids, which must not merge.
    Dataset first = slice(all, "first", 0, 24);
    Dataset second = slice(all, "second", 10, 24);
    Path a = temp.resolve("domain-a");
    Path b = temp.resolve("domain-b");
    first.write(a);
    second.write(b);
    Path tiny = temp.resolve("tiny");
    try (NDManager m = NDManager.newBaseManager();
        RecformerModel model =
            RecformerModel.newInstance(m, TrainingCommandsTest.tinyConfig(), 5)) {
      Checkpoints.save(tiny, model, Checkpoints.manifest(model, "random", 5, Map.of()));
    }
    Dataset combined = Datasets.openCombined(List.of(a, b), ImportOptions.defaults());
    assertThat(combined.itemCount()).isEqualTo(first.itemCount() + second.itemCount());
    // The held-out users come from both domains.
    List<List<UserHistory>> parts = PretrainCommand.holdOut(combined, 12, 42);
    Set<String> heldFrom = new HashSet<>();
    parts.get(1).forEach(u -> heldFrom.add(CombinedDataset.namespaceOf(u.userId())));
    assertThat(heldFrom).containsExactlyInAnyOrder("domain-a", "domain-b");

    Path out = temp.resolve("pt");
    TrainingCommandsTest.Run r =
        TrainingCommandsTest.run(
            "pretrain",
            a.toString(),
            b.toString(),
            "--init",
            tiny.toString(),
            "--batch-size",
            "8",
            "--epochs",
            "1",
            "--set",
            "heldOutUsers=12",
            "--out",
            out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    ObjectMapper json = new ObjectMapper();
    JsonNode config = json.readTree(out.resolve("config.json").toFile());
    assertThat(config.get("trainSequences").asInt()).isEqualTo(48 - 12);
    JsonNode provenance = json.readTree(out.resolve("provenance.json").toFile());
    assertThat(provenance.get("datasetFingerprint").asText()).isEqualTo(combined.fingerprint());
    JsonNode sources = json.readTree(out.resolve(PretrainCommand.SOURCES_FILE).toFile());
    assertThat(sources.get("sources").size()).isEqualTo(2);
    assertThat(sources.get("sources").get(0).get("namespace").asText()).isEqualTo("domain-a");
    assertThat(sources.get("sources").get(0).get("fingerprint").asText())
        .isEqualTo(first.fingerprint());
    assertThat(sources.get("sources").get(1).get("fingerprint").asText())
        .isEqualTo(second.fingerprint());
    assertThat(sources.get("sources").get(1).get("path").asText())
        .isEqualTo(b.toAbsolutePath().toString());

    // Resuming with the sources in another order is another dataset and is refused.
    TrainingCommandsTest.Run swapped =
        TrainingCommandsTest.run(
            "pretrain", b.toString(), a.toString(), "--resume", out.toString());
    assertThat(swapped.exitCode()).isNotZero();
    assertThat(swapped.err()).contains("is not the dataset run");
  }
}
