package io.recformer.train.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the importer's name and layout mapping with no DJL model: a plain Java BERT over the
 * imported tensors must reproduce ONNX Runtime's hidden states of the original MiniLM file on real
 * item titles.
 */
class MiniLmOracleParityTest {

  private static Map<String, WeightTensor> imported;
  private static MiniLmOnnxOracle oracle;
  private static MiniLmOnnxOracle.Batch batch;
  private static float[][][] expected;

  @BeforeAll
  static void run(@TempDir Path dir) throws IOException {
    imported = MiniLmFixture.imported();
    oracle = MiniLmOnnxOracle.open();
    batch = MiniLmOnnxOracle.tokenize(dir, titles());
    expected = oracle.lastHiddenState(batch.inputIds(), batch.attentionMask());
  }

  @AfterAll
  static void close() {
    oracle.close();
  }

  @Test
  void tokenizerIsTheBertWordPieceOne() {
    assertThat(batch.inputIds()[0][0]).isEqualTo(101); // [CLS]
    assertThat(batch.inputIds()[0][batch.lengths()[0] - 1]).isEqualTo(102); // [SEP]
    int width = batch.inputIds()[0].length;
    assertThat(Arrays.stream(batch.lengths()).boxed().toList())
        .hasSize(5)
        .allMatch(n -> n > 10)
        .contains(width)
        // Padded rows exist, so ONNX Runtime's attention mask is exercised.
        .anyMatch(n -> n < width);
  }

  @Test
  void javaBertOverImportedWeightsMatchesOnnxRuntime() {
    double maxDiff = maxAbsDiff(imported);
    System.out.printf(
        Locale.ROOT,
        "max |java - onnxruntime| over %d titles: %.3e%n",
        batch.lengths().length,
        maxDiff);
    assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
  }

  @Test
  void swappingQueryAndKeyIsDetected() {
    // The comparison can fail: a mapping that confused query and key in one layer is far off.
    Map<String, WeightTensor> swapped = new LinkedHashMap<>(imported);
    String p = "encoder.layer.0.attention.self.";
    for (String part : new String[] {".weight", ".bias"}) {
      swapped.put(p + "query" + part, imported.get(p + "key" + part).renamed(p + "query" + part));
      swapped.put(p + "key" + part, imported.get(p + "query" + part).renamed(p + "key" + part));
    }
    assertThat(maxAbsDiff(swapped)).isGreaterThan(1e-2);
  }

  private static double maxAbsDiff(Map<String, WeightTensor> weights) {
    BertReference reference = new BertReference(weights, 6, 12, 1e-12);
    double max = 0;
    for (int b = 0; b < batch.lengths().length; b++) {
      long[] ids = Arrays.copyOf(batch.inputIds()[b], batch.lengths()[b]);
      double[][] actual = reference.forward(ids);
      for (int t = 0; t < ids.length; t++) {
        for (int j = 0; j < 384; j++) {
          max = Math.max(max, Math.abs(actual[t][j] - expected[b][t][j]));
        }
      }
    }
    return max;
  }

  static String[] titles() throws IOException {
    try (InputStream in =
        MiniLmOracleParityTest.class.getResourceAsStream("/weights/scientific-titles.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(line -> !line.isBlank() && !line.startsWith("#"))
          .toArray(String[]::new);
    }
  }
}
