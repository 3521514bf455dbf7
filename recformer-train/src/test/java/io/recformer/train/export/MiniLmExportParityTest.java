package io.recformer.train.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OrtSession;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.MiniLmImporter;
import java.util.Arrays;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exported MiniLM-initialized encoder (real pre-trained all-MiniLM-L6-v2 weights, 6 x 384, 12
 * heads, window 64) run by ONNX Runtime equals the DJL model at several batch sizes and lengths,
 * with padded rows and lengths that are not multiples of w/2 = 32.
 */
class MiniLmExportParityTest {

  private static final Logger LOG = LoggerFactory.getLogger(MiniLmExportParityTest.class);
  private static final double TOLERANCE = 1e-4;

  @Test
  void onnxRuntimeMatchesDjl() throws Exception {
    RecformerConfig config = RecformerConfig.miniLmL6();
    try (NDManager root = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(root, config, 7)) {
      model.loadWeights(MiniLmImporter.importFromClasspath(config, 7));
      byte[] onnx = OnnxExporter.toOnnx(model, ExportFixtures.fixedProvenance(7));
      try (OrtSession session = ExportFixtures.session(onnx, 2)) {
        int[][] cases = {{1, 9}, {3, 77}, {2, 130}, {1, 512}};
        for (int[] c : cases) {
          int b = c[0];
          int n = c[1];
          int[] lengths = new int[b];
          for (int r = 0; r < b; r++) {
            lengths[r] = r == 0 ? n : Math.max(2, n - 31 * r - 5);
          }
          EncodedBatch batch = ExportFixtures.batch(config, n, lengths, null, 100 + n);
          ExportFixtures.Outputs djl = ExportFixtures.djl(model, batch);
          ExportFixtures.Outputs ort = ExportFixtures.ort(session, batch);
          double pooled = ExportFixtures.maxDiff(djl.pooled(), ort.pooled());
          double hidden =
              ExportFixtures.maxHiddenDiff(
                  djl.hiddenStates(), ort.hiddenStates(), batch, config.hiddenSize());
          String what = String.format("batch %d x %d, lengths %s", b, n, Arrays.toString(lengths));
          LOG.info("{}: max |DJL - ONNX| pooled {}, hidden {}", what, pooled, hidden);
          assertThat(pooled).as("pooled, " + what).isLessThanOrEqualTo(TOLERANCE);
          assertThat(hidden).as("hidden, " + what).isLessThanOrEqualTo(TOLERANCE);
          assertNormalized(ort, config.hiddenSize(), b);
        }
      }
    }
  }

  /** The embedding output is the pooled output divided by its L2 norm. */
  static void assertNormalized(ExportFixtures.Outputs ort, int d, int rows) {
    for (int r = 0; r < rows; r++) {
      double norm = 0;
      for (int k = 0; k < d; k++) {
        norm += (double) ort.pooled()[r * d + k] * ort.pooled()[r * d + k];
      }
      norm = Math.sqrt(norm);
      for (int k = 0; k < d; k++) {
        assertThat((double) ort.embedding()[r * d + k])
            .isCloseTo(ort.pooled()[r * d + k] / norm, Assertions.within(1e-6));
      }
    }
  }
}
