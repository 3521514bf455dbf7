package io.recformer.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CosineSpreadTest {

  @Test
  void threeDirectionsSixtyDegreesApartByHand() {
    // Angles 0, 60 and 120 degrees, lengths 1, 2 and 3 (length must not matter). Cosines:
    // (0,1) = 0.5, (0,2) = -0.5, (1,2) = 0.5. Row means 0, 0.5, 0; row sds 0.5, 0, 0.5;
    // every row's nearest other vector is at cosine 0.5.
    float s = (float) Math.sqrt(3) / 2;
    float[][] rows = {{1, 0}, {2 * 0.5f, 2 * s}, {3 * -0.5f, 3 * s}};
    CosineSpread spread = CosineSpread.of(rows, 10);
    assertThat(spread.meanCosine()).isCloseTo(1.0 / 6, within(1e-6));
    assertThat(spread.rowSpread()).isCloseTo(1.0 / 3, within(1e-6));
    assertThat(spread.nearestCosine()).isCloseTo(0.5, within(1e-6));
    assertThat(spread.rowsSampled()).isEqualTo(3);
    assertThat(spread.rows()).isEqualTo(10);
    assertThat(spread.logitSpread(0.05)).isCloseTo(20.0 / 3, within(1e-5));
    var json = spread.toJson(0.05);
    assertThat(json.get("rowSpread").asDouble()).isEqualTo(spread.rowSpread());
    assertThat(json.get("rows").asLong()).isEqualTo(10);
    assertThat(json.get("temperature").asDouble()).isEqualTo(0.05);
    assertThat(json.get("logitSpreadAtTemperature").asDouble()).isEqualTo(spread.logitSpread(0.05));
  }

  @Test
  void orthogonalRowsHaveNoSpread() {
    float[][] rows = new float[5][5];
    for (int i = 0; i < 5; i++) {
      rows[i][i] = i + 1;
    }
    CosineSpread spread = CosineSpread.of(rows, 5);
    assertThat(spread.meanCosine()).isCloseTo(0, within(1e-12));
    assertThat(spread.rowSpread()).isCloseTo(0, within(1e-12));
    assertThat(spread.nearestCosine()).isCloseTo(0, within(1e-12));
  }

  @Test
  void agreesWithTheGramMatrixIdentitiesOnAnAnisotropicCloud() {
    // A shared direction plus small noise: the anisotropy of a text encoder's item vectors.
    // Oracle: for unit rows u_i with sum S and Gram matrix G = sum u_j u_j^T, row i's cosines
    // with the others have sum u_i.S - 1 and sum of squares u_i^T G u_i - 1.
    SplittableRandom random = new SplittableRandom(7);
    int m = 60;
    int dim = 12;
    float[][] rows = new float[m][dim];
    for (float[] row : rows) {
      for (int k = 0; k < dim; k++) {
        row[k] = (k == 0 ? 6f : 0f) + (float) random.nextGaussian();
      }
    }
    double[][] unit = new double[m][dim];
    double[] sum = new double[dim];
    double[][] gram = new double[dim][dim];
    for (int i = 0; i < m; i++) {
      double norm = 0;
      for (float v : rows[i]) {
        norm += (double) v * v;
      }
      for (int k = 0; k < dim; k++) {
        unit[i][k] = rows[i][k] / Math.sqrt(norm);
        sum[k] += unit[i][k];
      }
      for (int a = 0; a < dim; a++) {
        for (int b = 0; b < dim; b++) {
          gram[a][b] += unit[i][a] * unit[i][b];
        }
      }
    }
    double meanOfMeans = 0;
    double meanOfSds = 0;
    for (int i = 0; i < m; i++) {
      double linear = -1;
      double quadratic = -1;
      for (int a = 0; a < dim; a++) {
        linear += unit[i][a] * sum[a];
        for (int b = 0; b < dim; b++) {
          quadratic += unit[i][a] * gram[a][b] * unit[i][b];
        }
      }
      double mean = linear / (m - 1);
      meanOfMeans += mean;
      meanOfSds += Math.sqrt(quadratic / (m - 1) - mean * mean);
    }
    CosineSpread spread = CosineSpread.of(rows, m);
    assertThat(spread.meanCosine()).isCloseTo(meanOfMeans / m, within(1e-9));
    assertThat(spread.rowSpread()).isCloseTo(meanOfSds / m, within(1e-9));
    assertThat(spread.meanCosine()).isGreaterThan(0.7);
    assertThat(spread.nearestCosine()).isBetween(spread.meanCosine(), 1.0);
  }

  @Test
  void sampleRowsTakesAllSmallMatricesAndADistinctSeededSampleOfLargeOnes() {
    assertThat(CosineSpread.sampleRows(4, 10, 1)).containsExactly(0, 1, 2, 3);
    long[] a = CosineSpread.sampleRows(1_500_000, 2048, 42);
    assertThat(a).hasSize(2048);
    assertThat(Arrays.stream(a).distinct().count()).isEqualTo(2048);
    assertThat(a).isSorted();
    assertThat(a[0]).isGreaterThanOrEqualTo(0);
    assertThat(a[a.length - 1]).isLessThan(1_500_000);
    assertThat(CosineSpread.sampleRows(1_500_000, 2048, 42)).isEqualTo(a);
    assertThat(CosineSpread.sampleRows(1_500_000, 2048, 43)).isNotEqualTo(a);
    // Drawn from the whole range, not its start.
    assertThat(a[a.length - 1]).isGreaterThan(1_000_000);
    assertThat(a[0]).isLessThan(500_000);
  }

  @Test
  void badInputNamesTheProblem() {
    assertThatThrownBy(() -> CosineSpread.of(new float[][] {{1, 0}, {0, 0}}, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row 1");
    assertThatThrownBy(() -> CosineSpread.of(new float[][] {{1, 0}, {0, 1, 2}}, 2))
        .hasMessageContaining("row 1 has 3 values");
    assertThatThrownBy(() -> CosineSpread.of(new float[][] {{1, 0}}, 2))
        .hasMessageContaining("at least 2");
    assertThatThrownBy(() -> CosineSpread.of(new float[][] {{1, 0}, {0, 1}}, 1))
        .hasMessageContaining("rows = 1");
    assertThatThrownBy(() -> CosineSpread.sampleRows(1, 10, 0)).hasMessageContaining("rows = 1");
    assertThatThrownBy(() -> new CosineSpread(0.5, 0.1, 0.9, 2, 2).logitSpread(0))
        .hasMessageContaining("temperature");
  }
}
