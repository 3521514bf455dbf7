package io.recformer.train.testing;

import ai.djl.ndarray.NDManager;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.MiniLmImporter;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Shared fixtures of the training tests: a slice of the bundled UniSRec Scientific data (the first
 * {@code users} users with at least 3 interactions, catalog cut to their items), the MiniLM
 * tokenizer from the langchain4j jar and a tiny random model.
 */
public final class TinySetup {

  private static Dataset scientific;

  private TinySetup() {}

  /** A tiny MiniLM-vocabulary config: 1 layer, d 16, 2 heads, 64 tokens, window 16. */
  public static RecformerConfig tinyConfig() {
    return RecformerConfig.miniLmL6().toBuilder()
        .hiddenSize(16)
        .numLayers(1)
        .numHeads(2)
        .intermediateSize(32)
        .maxTokens(64)
        .maxItems(8)
        .maxItemPositions(9)
        .attentionWindow(16)
        .maxAttributeTokens(16)
        .layerNormEps(1e-12)
        .dropout(0.1)
        .pooling(Pooling.CLS)
        .build();
  }

  public static Path repoRoot() {
    String root = System.getProperty("recformer.repo.root");
    return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
  }

  /** The whole bundled UniSRec Scientific dataset (imported once per JVM). */
  public static synchronized Dataset scientific() {
    if (scientific == null) {
      Path dir = repoRoot().resolve("data/amazon-scientific-unisrec");
      if (!Files.isDirectory(dir)) {
        throw new IllegalStateException("bundled data missing: " + dir);
      }
      try {
        scientific = Datasets.importAuto(dir).dataset();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return scientific;
  }

  /**
   * A split of the first {@code users} users with >= 3 items, catalog restricted to their items.
   */
  public static LeaveOneOutSplit slice(int users) {
    Dataset all = scientific();
    List<UserHistory> chosen = new ArrayList<>();
    Set<String> used = new LinkedHashSet<>();
    for (UserHistory u : all.users()) {
      if (u.size() >= 3 && chosen.size() < users) {
        chosen.add(u);
        used.addAll(u.itemIds());
      }
    }
    List<Item> items = new ArrayList<>();
    for (String id : used) {
      items.add(all.items().get(id));
    }
    return LeaveOneOutSplit.of(
        Dataset.of("scientific-slice-" + users, ItemCatalog.of(items), chosen));
  }

  /** The MiniLM tokenizer for {@code config}, its tokenizer.json extracted into {@code dir}. */
  public static RecformerTokenizer tokenizer(Path dir, RecformerConfig config) throws IOException {
    Path json = dir.resolve("tokenizer.json");
    if (!Files.exists(json)) {
      MiniLmImporter.copyTokenizerJson(json);
    }
    return RecformerTokenizer.open(json, config);
  }

  /** Random initial weights of a model with this config. */
  public static Map<String, WeightTensor> randomWeights(RecformerConfig config, long seed) {
    try (NDManager m = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(m, config, seed)) {
      return model.exportWeightMap();
    }
  }
}
