package io.recformer.bench.quality;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.recformer.bench.baseline.SequenceScorer;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.Provenance;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.checkpoint.ModelSource;
import io.recformer.train.eval.Encoder;
import io.recformer.train.export.OnnxExporter;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.MiniLmImporter;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Recformer model as a {@link SequenceScorer}: score = cosine of the encoded history with each
 * item's encoding, exactly what fine-tuning evaluates. The item matrix is the checkpoint's own when
 * it was made for this model and dataset (a fine-tuning run's {@code best/}), otherwise the model
 * encodes the catalog once at open.
 *
 * <p>Histories are encoded by the DJL model ({@link HistoryRuntime#DJL}, the code path of
 * fine-tuning) or by the model exported to ONNX and served by {@code recformer-infer} ({@link
 * HistoryRuntime#ONNX}: the deployed path; scores agree with DJL to float rounding).
 */
final class RecformerScorer implements SequenceScorer, AutoCloseable {

  /** What encodes the histories. */
  enum HistoryRuntime {
    /** The DJL model, as fine-tuning evaluates. */
    DJL,
    /** The model exported to ONNX, run by ONNX Runtime through {@link RecformerEncoder}. */
    ONNX
  }

  private final String name;
  private final NDManager manager;
  private final RecformerModel model;
  private final RecformerTokenizer tokenizer;
  private final Encoder encoder;
  private final NDArray transposedMatrix;
  private final List<String> itemIds;
  private final String description;

  /** The ONNX Runtime encoder in {@link HistoryRuntime#ONNX} mode, else null. */
  private final RecformerEncoder onnx;

  private RecformerScorer(
      String name,
      NDManager manager,
      RecformerModel model,
      RecformerTokenizer tokenizer,
      Encoder encoder,
      NDArray matrix,
      List<String> itemIds,
      String description,
      RecformerEncoder onnx) {
    this.name = name;
    this.manager = manager;
    this.model = model;
    this.tokenizer = tokenizer;
    this.encoder = encoder;
    this.transposedMatrix = matrix.transpose();
    this.itemIds = itemIds;
    this.description = description;
    this.onnx = onnx;
  }

  /**
   * Loads the model of {@code source} ({@code minilm} or a checkpoint directory) with the given
   * sequence settings and prepares its item matrix for {@code dataset}.
   *
   * @param maxTokens tokens per history; 0 keeps the source's setting
   * @param pooling sequence representation; null keeps the source's setting
   * @param runtime what encodes the histories
   * @param threads ONNX Runtime intra-op threads ({@link HistoryRuntime#ONNX} only)
   * @param workDir where the MiniLM tokenizer.json is unpacked and the ONNX bundle written
   */
  static RecformerScorer open(
      String name,
      String source,
      Dataset dataset,
      int maxTokens,
      Pooling pooling,
      int evalBatchSize,
      long seed,
      HistoryRuntime runtime,
      int threads,
      Path workDir)
      throws IOException {
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
    RecformerEncoder onnx = null;
    try {
      tokenizer = RecformerTokenizer.open(tokenizerJson, config);
      model = RecformerModel.newInstance(manager, config, seed);
      Map<String, WeightTensor> weights = start.weights(config, seed);
      Checkpoints.loadInto(model, weights);
      if (runtime == HistoryRuntime.ONNX) {
        Path bundle = workDir.resolve("bundle-" + Integer.toHexString(name.hashCode()));
        OnnxExporter.writeBundle(
            config,
            weights,
            tokenizerJson,
            Provenance.capture(dataset.fingerprint(), seed, Map.of("source", source)),
            bundle);
        onnx =
            RecformerEncoder.open(
                bundle,
                EncoderOptions.defaults().withIntraOpThreads(threads).withBatchSize(evalBatchSize));
      }
      ItemTokenCache cache = new ItemTokenCache(tokenizer, dataset.items()).tokenizeAll();
      Encoder encoder = new Encoder(model, cache, tokenizer.padId(), evalBatchSize);
      NDArray matrix =
          start.itemMatrix(
              config, dataset.fingerprint(), dataset.itemCount(), encoder, manager, false);
      ItemCatalog catalog = dataset.items();
      List<String> ids = new ArrayList<>(catalog.size());
      for (int i = 0; i < catalog.size(); i++) {
        ids.add(catalog.get(i).id());
      }
      String description =
          String.format(
              Locale.ROOT,
              "%s, %s pooling, %d max tokens, %s",
              start.checkpoint() == null
                  ? "all-MiniLM-L6-v2 weights, no training"
                  : "checkpoint " + start.checkpoint(),
              config.pooling(),
              config.maxTokens(),
              runtime == HistoryRuntime.ONNX
                  ? "histories encoded by ONNX Runtime (exported model)"
                  : "histories encoded by DJL");
      return new RecformerScorer(
          name, manager, model, tokenizer, encoder, matrix, ids, description, onnx);
    } catch (IOException | RuntimeException e) {
      if (onnx != null) {
        onnx.close();
      }
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
      float[] flat = historyVectors(users, scope).matMul(transposedMatrix).toFloatArray();
      for (int i = 0; i < out.length; i++) {
        out[i] = new float[n];
        System.arraycopy(flat, i * n, out[i], 0, n);
      }
    }
    return out;
  }

  /** L2-normalized history vectors, one row per user. */
  private NDArray historyVectors(List<UserHistory> users, NDManager scope) {
    if (onnx == null) {
      return encoder.histories(users, scope);
    }
    List<EncodedSequence> sequences = new ArrayList<>(users.size());
    for (UserHistory user : users) {
      sequences.add(encoder.cache().encodeHistory(user));
    }
    float[][] vectors = onnx.encodeSequences(sequences);
    return scope.create(vectors);
  }

  @Override
  public void close() {
    if (onnx != null) {
      onnx.close();
    }
    tokenizer.close();
    model.close();
    manager.close();
  }
}
