package io.recformer.train.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.weights.WeightTensor;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DJL encoder against {@link ReferenceLongformer}, a naive double-precision implementation of
 * reference section 3, and the chunked attention against the masked full-attention path.
 */
class LongformerAttentionOracleTest {

  /** float32 model vs double reference, attention alone and the whole encoder. */
  private static final double TOLERANCE = 1e-5;

  private static NDManager root;

  @BeforeAll
  static void open() {
    root = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    root.close();
  }

  /**
   * window, heads, head size, batch length, row lengths, CLS global per row, extra global per row.
   */
  static Stream<Arguments> cases() {
    return Stream.of(
        // length a multiple of the window
        Arguments.of(
            8,
            2,
            8,
            16,
            new int[] {16, 9, 3},
            new boolean[] {true, true, true},
            new int[] {0, 0, 0}),
        // length not a multiple of w/2, odd w/2, a row without globals, one with two globals
        Arguments.of(
            6,
            3,
            8,
            13,
            new int[] {13, 11, 4},
            new boolean[] {true, false, true},
            new int[] {7, 0, 0}),
        // window larger than the sequence
        Arguments.of(8, 4, 4, 5, new int[] {5, 2}, new boolean[] {true, true}, new int[] {0, 0}),
        // no global token anywhere (pure sliding window), rows of very different lengths
        Arguments.of(
            4,
            2,
            8,
            23,
            new int[] {23, 1, 17},
            new boolean[] {false, false, false},
            new int[] {0, 0, 0}),
        // several globals in the middle and at the end
        Arguments.of(
            4, 2, 6, 19, new int[] {19, 19}, new boolean[] {true, true}, new int[] {18, 9}));
  }

  @ParameterizedTest(name = "w={0} heads={1}x{2} n={3}")
  @MethodSource("cases")
  void selfAttentionMatchesReference(
      int window, int heads, int headSize, int length, int[] lengths, boolean[] cls, int[] extra) {
    RecformerConfig config = Fixtures.tiny(1, heads, headSize, window);
    try (NDManager manager = root.newSubManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
      Map<String, WeightTensor> weights = Fixtures.randomWeights(model.parameterShapes(), 11, 0.3);
      model.loadWeights(weights);
      EncodedBatch batch = Fixtures.batch(config, length, lengths, cls, extra, 5);
      int b = lengths.length;
      int d = config.hiddenSize();
      Random random = new Random(3);
      float[] x = new float[b * length * d];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      NDArray hidden = manager.create(x, new Shape(b, length, d));
      ReferenceLongformer reference = new ReferenceLongformer(config, weights);
      for (AttentionMode mode : AttentionMode.values()) {
        float[] got =
            model
                .selfAttention(
                    0, hidden, batch.attentionMask(), batch.globalAttentionMask(), mode, manager)
                .toFloatArray();
        double maxDiff = 0;
        for (int r = 0; r < b; r++) {
          double[][] xr = new double[length][d];
          for (int i = 0; i < length; i++) {
            for (int k = 0; k < d; k++) {
              xr[i][k] = x[(r * length + i) * d + k];
            }
          }
          double[][] want =
              reference.selfAttention(
                  0,
                  xr,
                  row(batch.attentionMask(), r, length),
                  row(batch.globalAttentionMask(), r, length));
          maxDiff = Math.max(maxDiff, maxAbsDiffRealTokens(got, want, batch, r));
        }
        assertThat(maxDiff).as("attention %s max |djl - reference|", mode).isLessThan(TOLERANCE);
      }
    }
  }

  @ParameterizedTest(name = "w={0} heads={1}x{2} n={3}")
  @MethodSource("cases")
  void encoderMatchesReferenceAndFullAttention(
      int window, int heads, int headSize, int length, int[] lengths, boolean[] cls, int[] extra) {
    RecformerConfig config = Fixtures.tiny(2, heads, headSize, window);
    try (NDManager manager = root.newSubManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
      Map<String, WeightTensor> weights = Fixtures.randomWeights(model.parameterShapes(), 12, 0.3);
      model.loadWeights(weights);
      EncodedBatch batch = Fixtures.batch(config, length, lengths, cls, extra, 6);
      // CHUNKED, not the default: at these tiny lengths SLIDING_WINDOW resolves to the dense band.
      float[] efficient =
          model.encode(manager, batch, false, AttentionMode.CHUNKED).hiddenStates().toFloatArray();
      float[] full =
          model
              .encode(manager, batch, false, AttentionMode.FULL_ORACLE)
              .hiddenStates()
              .toFloatArray();
      double[][][] want = new ReferenceLongformer(config, weights).encode(batch);
      double maxRef = 0;
      double maxFull = 0;
      for (int r = 0; r < lengths.length; r++) {
        maxRef = Math.max(maxRef, maxAbsDiffRealTokens(efficient, want[r], batch, r));
        for (int i = 0; i < lengths[r]; i++) {
          for (int k = 0; k < config.hiddenSize(); k++) {
            int at = (r * length + i) * config.hiddenSize() + k;
            maxFull = Math.max(maxFull, Math.abs(efficient[at] - full[at]));
          }
        }
      }
      assertThat(maxRef).as("encoder max |djl - reference|").isLessThan(TOLERANCE);
      assertThat(maxFull).as("encoder max |sliding window - full oracle|").isLessThan(TOLERANCE);
    }
  }

  @Test
  void pooledOutputsFollowTheConfig() {
    RecformerConfig cls = Fixtures.tiny(1, 2, 8, 4);
    RecformerConfig mean = cls.toBuilder().pooling(Pooling.MEAN).build();
    int[] lengths = {7, 3};
    EncodedBatch batch =
        Fixtures.batch(cls, 7, lengths, new boolean[] {true, true}, new int[] {0, 0}, 9);
    for (RecformerConfig config : new RecformerConfig[] {cls, mean}) {
      try (NDManager manager = root.newSubManager();
          RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
        Map<String, WeightTensor> weights = Fixtures.randomWeights(model.parameterShapes(), 4, 0.3);
        model.loadWeights(weights);
        EncoderOutput out = model.encode(manager, batch, false);
        assertThat(out.pooled().getShape()).isEqualTo(new Shape(2, 16));
        float[] pooled = out.pooled().toFloatArray();
        double[][][] want = new ReferenceLongformer(config, weights).encode(batch);
        for (int r = 0; r < 2; r++) {
          for (int k = 0; k < 16; k++) {
            double expected = 0;
            if (config.pooling() == Pooling.CLS) {
              expected = want[r][0][k];
            } else {
              for (int i = 0; i < lengths[r]; i++) {
                expected += want[r][i][k] / lengths[r];
              }
            }
            assertThat((double) pooled[r * 16 + k])
                .isCloseTo(expected, Assertions.within(TOLERANCE));
          }
        }
      }
    }
  }

  @Test
  void referenceErfIsAccurate() {
    // Values of erf from standard tables (15+ digits); the series loses ~2 digits near 3.
    assertThat(ReferenceLongformer.erf(0.5))
        .isCloseTo(0.5204998778130465, Assertions.within(1e-12));
    assertThat(ReferenceLongformer.erf(-1))
        .isCloseTo(-0.8427007929497149, Assertions.within(1e-12));
    assertThat(ReferenceLongformer.erf(2.9))
        .isCloseTo(0.9999589021219005, Assertions.within(1e-12));
    assertThat(ReferenceLongformer.erf(3.5))
        .isCloseTo(0.9999992569016276, Assertions.within(1e-12));
  }

  private static double maxAbsDiffRealTokens(
      float[] got, double[][] want, EncodedBatch batch, int r) {
    int length = batch.length();
    int d = want[0].length;
    double max = 0;
    for (int i = 0; i < length; i++) {
      if (batch.attentionMask()[r * length + i] == 0) {
        continue;
      }
      for (int k = 0; k < d; k++) {
        max = Math.max(max, Math.abs(got[(r * length + i) * d + k] - want[i][k]));
      }
    }
    return max;
  }

  private static int[] row(int[] a, int r, int n) {
    int[] out = new int[n];
    System.arraycopy(a, r * n, out, 0, n);
    return out;
  }
}
