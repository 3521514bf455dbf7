package io.recformer.train.weights;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Test oracle: the original all-MiniLM-L6-v2 ONNX model from the langchain4j jar, run by ONNX
 * Runtime. It gives the pre-trained model's own hidden states, against which imported weights (and
 * any model built on them) can be checked without trusting our own code.
 *
 * <p>The model's inputs are {@code input_ids}, {@code attention_mask} and {@code token_type_ids}
 * (int64, {@code [batch, length]}); its output is {@code last_hidden_state} ({@code [batch, length,
 * 384]}, float32). Token types are always 0, as in MiniLM's own use.
 */
public final class MiniLmOnnxOracle implements AutoCloseable {

  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String TOKEN_TYPE_IDS = "token_type_ids";
  public static final String LAST_HIDDEN_STATE = "last_hidden_state";

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  private MiniLmOnnxOracle(OrtSession session) {
    this.session = session;
  }

  /** Opens a CPU session on the jar's ONNX model. */
  public static MiniLmOnnxOracle open() {
    try (InputStream in =
        MiniLmOnnxOracle.class.getResourceAsStream(MiniLmImporter.ONNX_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "missing class-path resource " + MiniLmImporter.ONNX_RESOURCE);
      }
      byte[] model = in.readAllBytes();
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setIntraOpNumThreads(1);
        return new MiniLmOnnxOracle(OrtEnvironment.getEnvironment().createSession(model, options));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (OrtException e) {
      throw new IllegalStateException(
          "ONNX Runtime cannot open " + MiniLmImporter.ONNX_RESOURCE, e);
    }
  }

  /**
   * Runs the model.
   *
   * @param inputIds token ids {@code [batch][length]}, rows of equal length (pad with 0)
   * @param attentionMask 1 for real tokens, 0 for padding, same shape
   * @return {@code last_hidden_state} as {@code [batch][length][384]}
   */
  public float[][][] lastHiddenState(long[][] inputIds, long[][] attentionMask) {
    long[][] tokenTypes = new long[inputIds.length][inputIds[0].length];
    try (OnnxTensor ids = OnnxTensor.createTensor(env, inputIds);
        OnnxTensor mask = OnnxTensor.createTensor(env, attentionMask);
        OnnxTensor types = OnnxTensor.createTensor(env, tokenTypes);
        OrtSession.Result result =
            session.run(Map.of(INPUT_IDS, ids, ATTENTION_MASK, mask, TOKEN_TYPE_IDS, types))) {
      return (float[][][]) result.get(LAST_HIDDEN_STATE).orElseThrow().getValue();
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on the MiniLM model", e);
    }
  }

  /** Tokenized, [CLS]/[SEP]-wrapped, right-padded batch of texts. */
  // Arrays for speed: a batch is fed to the model, never compared as a record.
  @SuppressWarnings("ArrayRecordComponent")
  public record Batch(long[][] inputIds, long[][] attentionMask, int[] lengths) {}

  /**
   * Tokenizes texts with the jar's tokenizer.json (extracted into {@code tempDir}, never from a
   * hub) and pads them to the longest.
   */
  public static Batch tokenize(Path tempDir, String... texts) {
    try {
      Path json = tempDir.resolve("tokenizer.json");
      MiniLmImporter.copyTokenizerJson(json);
      try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(json)) {
        Encoding[] encodings = new Encoding[texts.length];
        int max = 0;
        for (int i = 0; i < texts.length; i++) {
          encodings[i] = tokenizer.encode(texts[i]);
          max = Math.max(max, encodings[i].getIds().length);
        }
        long[][] ids = new long[texts.length][max];
        long[][] mask = new long[texts.length][max];
        int[] lengths = new int[texts.length];
        for (int i = 0; i < texts.length; i++) {
          long[] row = encodings[i].getIds();
          lengths[i] = row.length;
          System.arraycopy(row, 0, ids[i], 0, row.length);
          for (int j = 0; j < row.length; j++) {
            mask[i][j] = 1;
          }
        }
        return new Batch(ids, mask, lengths);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX Runtime session", e);
    }
  }
}
