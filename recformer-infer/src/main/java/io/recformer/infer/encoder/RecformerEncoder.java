package io.recformer.infer.encoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.ArtifactFormatException;
import io.recformer.core.format.BundleArchive;
import io.recformer.core.format.BundleManifest;
import io.recformer.core.format.EncoderModelContract;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.Item;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.RecformerTokenizer;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns items and user histories into L2-normalized Recformer vectors with ONNX Runtime, from a
 * model bundle written by recformer-train's exporter (a directory, or its single-file archive).
 *
 * <p>Opening checks the bundle: the manifest's kind, format version and file hashes, then the
 * model's own metadata (kind, model format version, and a config equal to the manifest's), and that
 * the model has the expected inputs and outputs. Items are encoded as {@code [CLS] + item},
 * histories as {@code [CLS]} followed by the most recent items first (reference section 2), both
 * cut to the config's {@code maxTokens}.
 *
 * <p>Sequences are encoded in batches of {@link EncoderOptions#batchSize()} after sorting them by
 * length, so each batch holds similar lengths and little padding; results come back in the caller's
 * order. Scoring is the dot product of two returned vectors (their cosine).
 *
 * <p>Thread-safe: concurrent calls share one ONNX Runtime session (whose {@code run} is
 * thread-safe) and one tokenizer. {@link #close()} waits for running calls, is idempotent, and
 * makes later calls fail with {@link IllegalStateException}. The {@link OrtEnvironment} is a
 * process-wide singleton and is never closed here.
 *
 * <p>Over 400 lines because the bundle checks, the ONNX Runtime session settings and the
 * length-sorted batching serve one encoder and share its session.
 */
public final class RecformerEncoder implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RecformerEncoder.class);

  private final BundleManifest manifest;
  private final EncoderOptions options;
  private final RecformerConfig config;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final RecformerTokenizer tokenizer;
  private final BatchCollator collator;
  private final Set<String> requestedOutputs = Set.of(EncoderModelContract.OUTPUT_EMBEDDING);
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;

  private RecformerEncoder(
      BundleManifest manifest,
      EncoderOptions options,
      OrtEnvironment env,
      OrtSession session,
      RecformerTokenizer tokenizer) {
    this.manifest = manifest;
    this.options = options;
    this.config = manifest.config();
    this.env = env;
    this.session = session;
    this.tokenizer = tokenizer;
    // The graph pads to a multiple of w/2 itself, so batches only pad to their longest row.
    this.collator = BatchCollator.unrounded(config, tokenizer.padId());
  }

  /** {@link #open(Path, EncoderOptions)} with {@link EncoderOptions#defaults()}. */
  public static RecformerEncoder open(Path bundle) throws IOException {
    return open(bundle, EncoderOptions.defaults());
  }

  /**
   * Opens a bundle.
   *
   * @param bundle a bundle directory, its {@code manifest.json}, or a bundle archive (.zip)
   * @throws NoSuchFileException if the bundle or a file it names is missing
   * @throws ArtifactFormatException if the manifest or the model is of another kind or a newer
   *     version, a file does not match its hash, the model's config differs from the manifest's, or
   *     the model lacks an expected input or output
   * @throws EncoderException if ONNX Runtime cannot create the session, e.g. CUDA was asked for and
   *     is not available
   */
  public static RecformerEncoder open(Path bundle, EncoderOptions options) throws IOException {
    Objects.requireNonNull(bundle, "bundle");
    Objects.requireNonNull(options, "options");
    if (Files.isDirectory(bundle)) {
      return openDirectory(bundle, options, bundle.toString());
    }
    if (!Files.exists(bundle)) {
      throw new NoSuchFileException(bundle.toString(), null, "missing model bundle");
    }
    if (bundle.getFileName().toString().equals(BundleManifest.FILE_NAME)) {
      return openDirectory(bundle.toAbsolutePath().getParent(), options, bundle.toString());
    }
    Path temp = Files.createTempDirectory("recformer-bundle-");
    try {
      BundleArchive.extract(bundle, temp);
      return openDirectory(temp, options, bundle.toString());
    } finally {
      deleteQuietly(temp);
    }
  }

  private static RecformerEncoder openDirectory(Path dir, EncoderOptions options, String source)
      throws IOException {
    long start = System.nanoTime();
    BundleManifest manifest = BundleManifest.read(dir);
    if (!manifest.outputNames().contains(EncoderModelContract.OUTPUT_EMBEDDING)) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s: the manifest's outputNames %s lack '%s'; this bundle was not written by the"
                  + " recformer exporter",
              source,
              manifest.outputNames(),
              EncoderModelContract.OUTPUT_EMBEDDING));
    }
    if (manifest.outputDimension() != manifest.config().hiddenSize()) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s: outputDimension = %d but the config's hiddenSize = %d; they must be equal",
              source,
              manifest.outputDimension(),
              manifest.config().hiddenSize()));
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Path modelFile = dir.resolve(manifest.modelFile());
    // Bytes, not a path: an archive's temporary directory is deleted right after opening.
    byte[] model = Files.readAllBytes(modelFile);
    OrtSession session = createSession(env, model, options, source);
    try {
      checkModel(session, manifest, source + " (" + manifest.modelFile() + ")");
      RecformerTokenizer tokenizer =
          RecformerTokenizer.open(dir.resolve(manifest.tokenizerFile()), manifest.config());
      LOG.info(
          String.format(
              Locale.ROOT,
              "opened bundle %s (%d x %d, %s, %s, %d intra-op threads, %s graph optimization,"
                  + " spinning %s, %s) in %.2f s",
              source,
              manifest.config().numLayers(),
              manifest.config().hiddenSize(),
              manifest.quantization().map(q -> q.summary()).orElse("float32"),
              options.device(),
              options.intraOpThreads(),
              options.graphOptimization(),
              options.intraOpSpinning() ? "on" : "off",
              options.executionMode(),
              (System.nanoTime() - start) / 1e9));
      return new RecformerEncoder(manifest, options, env, session, tokenizer);
    } catch (IOException | RuntimeException e) {
      closeQuietly(session, e);
      throw e;
    }
  }

  private static OrtSession createSession(
      OrtEnvironment env, byte[] model, EncoderOptions options, String source) {
    if (options.device() == ExecutionDevice.CUDA
        && !OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      throw new EncoderException(
          String.format(
              Locale.ROOT,
              "CUDA execution provider not available in this ONNX Runtime build (available: %s):"
                  + " add com.microsoft.onnxruntime:onnxruntime_gpu (Maven profile `gpu` of"
                  + " recformer-infer) instead of onnxruntime, and a CUDA 12 driver with cuDNN 9;"
                  + " see docs/gpu.md",
              OrtEnvironment.getAvailableProviders()));
    }
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(options.intraOpThreads());
      so.setOptimizationLevel(optLevel(options.graphOptimization()));
      if (options.executionMode() == EncoderOptions.ExecutionMode.PARALLEL) {
        so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.PARALLEL);
        so.setInterOpNumThreads(options.intraOpThreads());
      } else {
        so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        so.setInterOpNumThreads(1);
      }
      String spin = options.intraOpSpinning() ? "1" : "0";
      so.addConfigEntry("session.intra_op.allow_spinning", spin);
      so.addConfigEntry("session.inter_op.allow_spinning", spin);
      if (options.device() == ExecutionDevice.CUDA) {
        try {
          so.addCUDA(options.deviceId());
        } catch (OrtException e) {
          throw new EncoderException(
              String.format(
                  Locale.ROOT,
                  "CUDA execution provider could not be initialized on device %d: %s. It needs an"
                      + " NVIDIA GPU with a CUDA 12 driver and cuDNN 9 libraries on the library"
                      + " path; see docs/gpu.md",
                  options.deviceId(),
                  e.getMessage()),
              e);
        }
      }
      return env.createSession(model, so);
    } catch (OrtException e) {
      throw new EncoderException(
          "ONNX Runtime could not create a session for " + source + ": " + e.getMessage(), e);
    }
  }

  private static OrtSession.SessionOptions.OptLevel optLevel(EncoderOptions.GraphOptimization g) {
    return switch (g) {
      case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
      case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
      case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
      case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
    };
  }

  private static void checkModel(OrtSession session, BundleManifest manifest, String source)
      throws ArtifactFormatException {
    Map<String, String> metadata;
    try {
      metadata = session.getMetadata().getCustomMetadata();
    } catch (OrtException e) {
      throw new EncoderException("ONNX Runtime could not read the metadata of " + source, e);
    }
    EncoderModelContract.verifyMetadata(metadata, manifest, source);
    Set<String> inputs = session.getInputNames();
    if (!inputs.equals(Set.copyOf(EncoderModelContract.INPUT_NAMES))) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s has inputs %s, expected %s",
              source,
              inputs,
              EncoderModelContract.INPUT_NAMES));
    }
    if (!session.getOutputNames().contains(EncoderModelContract.OUTPUT_EMBEDDING)) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s has outputs %s, expected one named '%s'",
              source,
              session.getOutputNames(),
              EncoderModelContract.OUTPUT_EMBEDDING));
    }
  }

  /** The model and input hyperparameters of the bundle. */
  public RecformerConfig config() {
    return config;
  }

  /** The bundle's manifest (provenance, hashes, output names). */
  public BundleManifest manifest() {
    return manifest;
  }

  public EncoderOptions options() {
    return options;
  }

  /**
   * The bundle's tokenizer, e.g. for an {@code ItemTokenCache} whose sequences then go to {@link
   * #encodeSequences}. Owned by this encoder: do not close it; it is closed with the encoder.
   */
  public RecformerTokenizer tokenizer() {
    return tokenizer;
  }

  /** Width of the returned vectors. */
  public int dimension() {
    return manifest.outputDimension();
  }

  /**
   * Each item's own vector ({@code [CLS] + item}, reference section 2.6), in the given order.
   *
   * @throws IllegalArgumentException if an item has no text
   */
  public float[][] embedItems(List<Item> items) {
    Objects.requireNonNull(items, "items");
    if (items.isEmpty()) {
      return new float[0][];
    }
    return encodeSequences(read(() -> tokenizer.encodeItems(items)));
  }

  /** One item's vector. */
  public float[] embedItem(Item item) {
    return embedItems(List.of(item))[0];
  }

  /**
   * A user's vector from the history, oldest item first (only the config's {@code maxItems} most
   * recent items and {@code maxTokens} tokens count).
   *
   * @throws IllegalArgumentException if the history is empty
   */
  public float[] encodeHistory(List<Item> itemsOldestFirst) {
    return encodeHistories(List.of(itemsOldestFirst))[0];
  }

  /** {@link #encodeHistory} for many users, batched; results in the given order. */
  public float[][] encodeHistories(List<List<Item>> historiesOldestFirst) {
    Objects.requireNonNull(historiesOldestFirst, "histories");
    List<EncodedSequence> sequences =
        read(
            () -> {
              List<EncodedSequence> out = new ArrayList<>(historiesOldestFirst.size());
              for (List<Item> history : historiesOldestFirst) {
                out.add(tokenizer.encodeHistory(history));
              }
              return out;
            });
    return encodeSequences(sequences);
  }

  /**
   * Vectors of already encoded sequences (e.g. from an {@code ItemTokenCache} built with this
   * encoder's tokenizer settings), batched by length; results in the given order.
   *
   * @throws IllegalArgumentException if a sequence is longer than {@code maxTokens} or holds an id
   *     outside the model's tables
   */
  public float[][] encodeSequences(List<EncodedSequence> sequences) {
    Objects.requireNonNull(sequences, "sequences");
    int count = sequences.size();
    float[][] out = new float[count][];
    if (count == 0) {
      return out;
    }
    for (int i = 0; i < count; i++) {
      check(sequences.get(i), i);
    }
    Integer[] order = new Integer[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    // Stable sort by length: each batch holds similar lengths, so little padding.
    Arrays.sort(order, Comparator.comparingInt(i -> sequences.get(i).length()));
    int batchSize = options.batchSize();
    long start = System.nanoTime();
    long lastLog = start;
    return read(
        () -> {
          long logged = lastLog;
          for (int from = 0; from < count; from += batchSize) {
            int to = Math.min(count, from + batchSize);
            List<EncodedSequence> batch = new ArrayList<>(to - from);
            for (int k = from; k < to; k++) {
              batch.add(sequences.get(order[k]));
            }
            float[][] vectors = run(collator.collate(batch));
            for (int k = from; k < to; k++) {
              out[order[k]] = vectors[k - from];
            }
            long now = System.nanoTime();
            if (now - logged > 10_000_000_000L) {
              double seconds = (now - start) / 1e9;
              LOG.info(
                  String.format(
                      Locale.ROOT,
                      "encoded %d of %d sequences (%.0f/s, ETA %.0f s)",
                      to,
                      count,
                      to / seconds,
                      (count - to) * seconds / to));
              logged = now;
            }
          }
          return out;
        });
  }

  private void check(EncodedSequence s, int index) {
    if (s.length() > config.maxTokens()) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "sequence %d has %d tokens, more than the model's maxTokens = %d",
              index,
              s.length(),
              config.maxTokens()));
    }
    int[] ids = s.inputIds();
    int[] positions = s.tokenPositionIds();
    int[] items = s.itemPositionIds();
    for (int t = 0; t < ids.length; t++) {
      if (ids[t] < 0
          || ids[t] >= config.vocabSize()
          || positions[t] < 0
          || positions[t] >= config.maxPositions()
          || items[t] < 0
          || items[t] >= config.maxItemPositions()) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "sequence %d, token %d: id %d, position %d, item position %d; the model has %d ids,"
                    + " %d positions and %d item positions",
                index,
                t,
                ids[t],
                positions[t],
                items[t],
                config.vocabSize(),
                config.maxPositions(),
                config.maxItemPositions()));
      }
    }
  }

  /** One engine call: normalized vectors of the batch's rows. */
  private float[][] run(EncodedBatch batch) {
    long[] shape = {batch.batchSize(), batch.length()};
    int[][] arrays = {
      batch.inputIds(),
      batch.tokenTypeIds(),
      batch.tokenPositionIds(),
      batch.itemPositionIds(),
      batch.attentionMask(),
      batch.globalAttentionMask()
    };
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      for (int i = 0; i < arrays.length; i++) {
        int[] a = arrays[i];
        long[] wide = new long[a.length];
        for (int j = 0; j < a.length; j++) {
          wide[j] = a[j];
        }
        inputs.put(
            EncoderModelContract.INPUT_NAMES.get(i),
            OnnxTensor.createTensor(env, LongBuffer.wrap(wide), shape));
      }
      try (OrtSession.Result result = session.run(inputs, requestedOutputs)) {
        OnnxTensor tensor =
            (OnnxTensor) result.get(EncoderModelContract.OUTPUT_EMBEDDING).orElseThrow();
        FloatBuffer values = tensor.getFloatBuffer();
        int d = dimension();
        float[][] out = new float[batch.batchSize()][d];
        for (float[] row : out) {
          values.get(row);
        }
        return out;
      }
    } catch (OrtException e) {
      throw new EncoderException(
          String.format(
              Locale.ROOT,
              "ONNX Runtime failed on a batch of %d x %d tokens: %s",
              batch.batchSize(),
              batch.length(),
              e.getMessage()),
          e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  /** Runs {@code work} unless closed; close() waits for it. */
  private <T> T read(Supplier<T> work) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the encoder is closed");
      }
      return work.get();
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Releases the session and the tokenizer; idempotent. Never closes the OrtEnvironment. */
  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        session.close();
      } catch (OrtException e) {
        throw new EncoderException("ONNX Runtime failed to release the session", e);
      } finally {
        tokenizer.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "RecformerEncoder[%d x %d, dim %d, %s, batch %d]",
        config.numLayers(),
        config.hiddenSize(),
        dimension(),
        options.device(),
        options.batchSize());
  }

  private static void closeQuietly(OrtSession session, Exception primary) {
    try {
      session.close();
    } catch (OrtException e) {
      primary.addSuppressed(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      AtomicFiles.deleteRecursively(dir);
    } catch (IOException e) {
      // The extracted copy is only a cache of the archive; a leftover costs disk, not correctness.
      LOG.warn("could not delete temporary directory {}: {}", dir, e.getMessage());
    }
  }
}
