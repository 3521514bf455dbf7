package io.recformer.train.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.weights.MiniLmFixture;
import io.recformer.train.weights.MiniLmOnnxOracle;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DJL encoder with imported all-MiniLM-L6-v2 weights against the original MiniLM ONNX file run
 * by ONNX Runtime, on real item titles. With a window covering the whole input, BERT positions
 * (offset 0), token type 0 and a zeroed item-position table, Longformer attention is BERT
 * attention, so the last hidden states must agree. Tokenization uses the jar's tokenizer.json,
 * never a hub.
 */
class MiniLmEncoderOracleTest {

  /** float32 DJL vs float32 ONNX Runtime over 6 layers of a real checkpoint. */
  private static final double TOLERANCE = 1e-4;

  private static final Map<Integer, RecformerModel> MODELS = new HashMap<>();

  private static NDManager root;
  private static MiniLmOnnxOracle.Batch tokens;
  private static float[][][] expected;
  private static Map<String, WeightTensor> weights;

  @BeforeAll
  static void setUp(@TempDir Path dir) throws IOException {
    root = NDManager.newBaseManager();
    tokens = MiniLmOnnxOracle.tokenize(dir, titles());
    try (MiniLmOnnxOracle oracle = MiniLmOnnxOracle.open()) {
      expected = oracle.lastHiddenState(tokens.inputIds(), tokens.attentionMask());
    }
    weights = new LinkedHashMap<>(MiniLmFixture.imported());
    WeightTensor items = weights.get("embeddings.item_position_embeddings.weight");
    weights.put(
        items.name(), new WeightTensor(items.name(), items.shape(), new float[items.size()]));
  }

  @AfterAll
  static void tearDown() {
    MODELS.values().forEach(RecformerModel::close);
    root.close();
  }

  @Test
  void fullWindowWithoutGlobalTokensReproducesMiniLm() {
    int width = tokens.inputIds()[0].length;
    assertThat(maxAbsDiff(wholeInputWindow(width), false)).isLessThanOrEqualTo(TOLERANCE);
  }

  @Test
  void globalClsWithCopiedGlobalProjectionsAlsoReproducesMiniLm() {
    // The importer copies the local projections into the global ones, so a global CLS attending
    // everything computes what BERT's CLS computes: this runs the global path on real weights.
    int width = tokens.inputIds()[0].length;
    assertThat(maxAbsDiff(wholeInputWindow(width), true)).isLessThanOrEqualTo(TOLERANCE);
  }

  @Test
  void aNarrowWindowIsDetected() {
    // The comparison can fail: a window of 8 hides most of each title from each token.
    assertThat(maxAbsDiff(8, false)).isGreaterThan(1e-2);
  }

  /** The smallest even window whose half covers every distance in a row of this width. */
  private static int wholeInputWindow(int width) {
    return Math.max(2, 2 * width);
  }

  private static double maxAbsDiff(int window, boolean globalCls) {
    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder().attentionWindow(window).dropout(0).build();
    long[][] ids = tokens.inputIds();
    int b = ids.length;
    int n = ids[0].length;
    int[] inputIds = new int[b * n];
    int[] positions = new int[b * n];
    int[] attention = new int[b * n];
    int[] global = new int[b * n];
    for (int r = 0; r < b; r++) {
      for (int i = 0; i < n; i++) {
        inputIds[r * n + i] = (int) ids[r][i];
        attention[r * n + i] = (int) tokens.attentionMask()[r][i];
        positions[r * n + i] = attention[r * n + i] == 1 ? i : 0;
      }
      global[r * n] = globalCls ? 1 : 0;
    }
    // Token types all 0 (MiniLM's row) and item positions all 0 (zeroed table).
    EncodedBatch batch =
        new EncodedBatch(
            b, n, inputIds, new int[b * n], positions, new int[b * n], attention, global);
    RecformerModel model =
        MODELS.computeIfAbsent(
            window,
            w -> {
              RecformerModel created = RecformerModel.newInstance(root, config, 1);
              created.loadWeights(weights);
              return created;
            });
    try (NDManager manager = root.newSubManager()) {
      float[] hidden = model.encode(manager, batch, false).hiddenStates().toFloatArray();
      double max = 0;
      for (int r = 0; r < b; r++) {
        for (int i = 0; i < tokens.lengths()[r]; i++) {
          for (int k = 0; k < 384; k++) {
            max = Math.max(max, Math.abs(hidden[(r * n + i) * 384 + k] - expected[r][i][k]));
          }
        }
      }
      return max;
    }
  }

  private static String[] titles() throws IOException {
    try (InputStream in =
        MiniLmEncoderOracleTest.class.getResourceAsStream("/model/office-titles.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(line -> !line.isBlank() && !line.startsWith("#"))
          .toArray(String[]::new);
    }
  }
}
