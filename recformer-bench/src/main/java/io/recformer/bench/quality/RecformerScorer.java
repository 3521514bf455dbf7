package io.recformer.bench.quality;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.recformer.bench.baseline.SequenceScorer;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.checkpoint.ModelSource;
import io.recformer.train.eval.Encoder;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.MiniLmImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Recformer model as a {@link SequenceScorer}: score = cosine of the encoded history with each
 * item's encoding, exactly what fine-tuning evaluates. The item matrix is the checkpoint's own when
 * it was made for this model and dataset (a fine-tuning run's {@code best/}), otherwise the model
 * encodes the catalog once at open.
 */
final class RecformerScorer implements SequenceScorer, AutoCloseable {

  private final String name;
  private final NDManager manager;
  private final RecformerModel model;
  private final RecformerTokenizer tokenizer;
  private final Encoder encoder;
  private final NDArray transposedMatrix;
  private final List<String> itemIds;
  private final String description;

  private RecformerScorer(String name, NDManager manager, RecformerModel model,
      RecformerTokenizer tokenizer, Encoder encoder, NDArray matrix, List<String> itemIds,
      String description) {
    this.name = name;
    this.manager = manager;
    this.model = model;
    this.tokenizer = tokenizer;
    this.encoder = encoder;
    this.transposedMatrix = matrix.transpose();
    this.itemIds = itemIds;
    this.description = description;
  }

  /**
   * Loads the model of {@code source} ({@code minilm} or a checkpoint directory) with the given
   * sequence settings and prepares its item matrix for {@code dataset}.
   *
   * @param maxTokens tokens per history; 0 keeps the source's setting
   * @param pooling sequence representation; null keeps the source's setting
   * @param workDir where the MiniLM tokenizer.json is unpacked
   */
  static RecformerScorer open(String name, String source, Dataset dataset, int maxTokens,
      Pooling pooling, int evalBatchSize, long seed, Path workDir) throws IOException {
    ModelSource start = ModelSource.of(source);
    RecformerConfig.Builder b = start.config().toBuilder();
    if (maxTokens > 0) {
      b.maxTokens(maxTokens);
    }
    if (pooling != null) {
      b.pooling(pooling);
    }
    RecformerConfig config = b.build();
    Path tokenizerJson = workDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerJson)) {
      MiniLmImporter.copyTokenizerJson(tokenizerJson);
    }
    NDManager manager = NDManager.newBaseManager();
    RecformerModel model = null;
    RecformerTokenizer tokenizer = null;
    try {
      tokenizer = RecformerTokenizer.open(tokenizerJson, config);
      model = RecformerModel.newInstance(manager, config, seed);
      Checkpoints.loadInto(model, start.weights(config, seed));
      ItemTokenCache cache = new ItemTokenCache(tokenizer, dataset.items()).tokenizeAll();
      Encoder encoder = new Encoder(model, cache, tokenizer.padId(), evalBatchSize);
      NDArray matrix = start.itemMatrix(config, dataset.fingerprint(), dataset.itemCount(),
          encoder, manager, false);
      ItemCatalog catalog = dataset.items();
      List<String> ids = new ArrayList<>(catalog.size());
      for (int i = 0; i < catalog.size(); i++) {
        ids.add(catalog.get(i).id());
      }
      String description = String.format(Locale.ROOT, "%s, %s pooling, %d max tokens",
          start.checkpoint() == null ? "all-MiniLM-L6-v2 weights, no training"
              : "checkpoint " + start.checkpoint(), config.pooling(), config.maxTokens());
      return new RecformerScorer(name, manager, model, tokenizer, encoder, matrix, ids,
          description);
    } catch (IOException | RuntimeException e) {
      if (tokenizer != null) {
        tokenizer.close();
      }
      if (model != null) {
        model.close();
      }
      manager.close();
      throw e;
    }
  }

  /** What was loaded: weights, pooling, max tokens. */
  String description() {
    return description;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int itemCount() {
    return itemIds.size();
  }

  @Override
  public float[][] score(List<int[]> histories) {
    List<UserHistory> users = new ArrayList<>(histories.size());
    for (int[] h : histories) {
      List<String> ids = new ArrayList<>(h.length);
      for (int item : h) {
        ids.add(itemIds.get(item));
      }
      users.add(UserHistory.of("user", ids));
    }
    int n = itemIds.size();
    float[][] out = new float[histories.size()][];
    try (NDManager scope = manager.newSubManager()) {
      float[] flat = encoder.histories(users, scope).matMul(transposedMatrix).toFloatArray();
      for (int i = 0; i < out.length; i++) {
        out[i] = new float[n];
        System.arraycopy(flat, i * n, out[i], 0, n);
      }
    }
    return out;
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
    manager.close();
  }
}
