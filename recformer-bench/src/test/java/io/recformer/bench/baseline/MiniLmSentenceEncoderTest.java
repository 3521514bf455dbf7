package io.recformer.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class MiniLmSentenceEncoderTest {

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Test
  void meanPoolingUsesOnlyUnmaskedTokensAndNormalizes() {
    float[][] tokens = {{3, 0}, {1, 4}, {100, 100}};
    float[] v = MiniLmSentenceEncoder.meanPoolNormalize(tokens, 2);
    // mean of the first two = (2, 2) -> (1, 1) / sqrt 2.
    assertThat(v[0]).isCloseTo((float) Math.sqrt(0.5), within(1e-7f));
    assertThat(v[1]).isCloseTo((float) Math.sqrt(0.5), within(1e-7f));
  }

  @Test
  void realMiniLmGivesUnitVectorsWithSensibleSimilarities() throws Exception {
    try (MiniLmSentenceEncoder encoder = MiniLmSentenceEncoder.open(128, 1)) {
      assertThat(encoder.tokenIds("hello")).startsWith(101L).endsWith(102L);
      List<String> texts =
          List.of(
              "title: Gorilla Wood Glue brand: Gorilla",
              "title: Elmer's Wood Glue, 8 oz brand: Elmer's",
              "title: Digital Caliper 6 inch brand: Neiko",
              "title: Gorilla Wood Glue brand: Gorilla");
      float[][] v = encoder.embed(texts, 2);
      for (float[] row : v) {
        assertThat(row).hasSize(384);
        assertThat(dot(row, row)).isCloseTo(1.0, within(1e-5));
      }
      // Same text, different batch position and padding: same vector.
      assertThat(dot(v[0], v[3])).isCloseTo(1.0, within(1e-5));
      assertThat(dot(v[0], v[1])).isGreaterThan(dot(v[0], v[2]) + 0.1);
    }
  }
}
