package io.recformer.train.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OrtSession;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.AttentionMode;
import io.recformer.train.model.RecformerModel;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exported graph run by ONNX Runtime equals the DJL model on the same inputs, in both attention
 * layouts (uneven padding, one or two global tokens per row, or none).
 */
class OnnxParityTest {

  private static final Logger LOG = LoggerFactory.getLogger(OnnxParityTest.class);

  private static final double TOLERANCE = 1e-4;

  private static final int[][] CLS_CASES = {
    {1, 13, 0}, {3, 29, 1}, {4, 40, 0}, {2, 7, 0}, {5, 64, 0}, {2, 21, 2}
  };

  @ParameterizedTest
  @EnumSource(
      value = AttentionMode.class,
      names = {"CHUNKED", "DENSE_BAND"})
  void randomWeightsClsPooling(AttentionMode layout) throws Exception {
    check(ExportFixtures.small(2, 4, 8, 8, Pooling.CLS), 11, CLS_CASES, layout);
  }

  @ParameterizedTest
  @EnumSource(
      value = AttentionMode.class,
      names = {"CHUNKED", "DENSE_BAND"})
  void randomWeightsMeanPooling(AttentionMode layout) throws Exception {
    check(
        ExportFixtures.small(2, 2, 8, 6, Pooling.MEAN),
        12,
        new int[][] {{2, 17, 1}, {3, 25, 0}},
        layout);
  }

  /** A window wider than the sequence: every key in the band, as for most catalog items. */
  @ParameterizedTest
  @EnumSource(
      value = AttentionMode.class,
      names = {"CHUNKED", "DENSE_BAND"})
  void windowWiderThanTheSequence(AttentionMode layout) throws Exception {
    check(
        ExportFixtures.small(2, 4, 8, 64, Pooling.CLS),
        13,
        new int[][] {{3, 9, 1}, {2, 30, 0}},
        layout);
  }

  /**
   * @param cases {batch size, length, globals} per batch, globals 0 = CLS only, 1 = a second global
   *     token in every other row, 2 = no global token at all; rows get different real lengths (the
   *     first row the full length)
   */
  private static void check(RecformerConfig config, long seed, int[][] cases, AttentionMode layout)
      throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(root, config, seed)) {
      model.loadWeights(ExportFixtures.randomWeights(model.parameterShapes(), seed, 0.3));
      byte[] onnx =
          OnnxExporter.toOnnx(
              config,
              model.exportWeightMap(),
              ExportFixtures.fixedProvenance(seed),
              Optional.empty(),
              layout);
      try (OrtSession session = ExportFixtures.session(onnx, 1)) {
        for (int[] c : cases) {
          int b = c[0];
          int n = c[1];
          int[] lengths = new int[b];
          int[] extra = new int[b];
          for (int r = 0; r < b; r++) {
            lengths[r] = r == 0 ? n : Math.max(1, n - 3 * r - r * r);
            extra[r] =
                c[2] == 2 ? -2 : c[2] == 1 && r % 2 == 0 && lengths[r] > 3 ? lengths[r] / 2 : -1;
          }
          EncodedBatch batch = ExportFixtures.batch(config, n, lengths, extra, seed + n);
          ExportFixtures.Outputs djl = ExportFixtures.djl(model, batch);
          ExportFixtures.Outputs ort = ExportFixtures.ort(session, batch);
          String what =
              String.format(
                  "%s, batch %d x %d, lengths %s", layout, b, n, Arrays.toString(lengths));
          double pooled = ExportFixtures.maxDiff(djl.pooled(), ort.pooled());
          LOG.info("{}: max |DJL - ONNX| pooled {}", what, pooled);
          assertThat(pooled).as("pooled, " + what).isLessThanOrEqualTo(TOLERANCE);
          assertThat(
                  ExportFixtures.maxHiddenDiff(
                      djl.hiddenStates(), ort.hiddenStates(), batch, config.hiddenSize()))
              .as("hidden, " + what)
              .isLessThanOrEqualTo(TOLERANCE);
        }
      }
    }
  }
}
