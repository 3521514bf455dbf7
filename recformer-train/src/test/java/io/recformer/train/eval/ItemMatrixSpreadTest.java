package io.recformer.train.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.metrics.CosineSpread;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ItemMatrixSpreadTest {

  @Test
  void aLargeMatrixIsMeasuredOnTheSeededSampleOfItsRows() {
    int rows = CosineSpread.DEFAULT_SAMPLE + 900;
    int dim = 6;
    float[] flat = new float[rows * dim];
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < flat.length; i++) {
      flat[i] = (float) random.nextGaussian() + (i % dim == 0 ? 2f : 0f);
    }
    long[] picked = CosineSpread.sampleRows(rows, CosineSpread.DEFAULT_SAMPLE, 5);
    float[][] sample = new float[picked.length][dim];
    for (int i = 0; i < picked.length; i++) {
      System.arraycopy(flat, (int) picked[i] * dim, sample[i], 0, dim);
    }
    CosineSpread expected = CosineSpread.of(sample, rows);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray matrix = m.create(flat, new Shape(rows, dim));
      CosineSpread spread = ItemMatrixSpread.of(matrix, 5);
      assertThat(spread.rowsSampled()).isEqualTo(CosineSpread.DEFAULT_SAMPLE);
      assertThat(spread.rows()).isEqualTo(rows);
      assertThat(spread.meanCosine()).isCloseTo(expected.meanCosine(), within(1e-12));
      assertThat(spread.rowSpread()).isCloseTo(expected.rowSpread(), within(1e-12));
      assertThat(spread.nearestCosine()).isCloseTo(expected.nearestCosine(), within(1e-12));
      // Only the sampled rows were copied out; the matrix itself is untouched and still open.
      assertThat(matrix.getShape()).isEqualTo(new Shape(rows, dim));
      assertThat(matrix.get(0).toFloatArray()[0]).isEqualTo(flat[0]);
      assertThatThrownBy(() -> ItemMatrixSpread.of(m.zeros(new Shape(4)), 1))
          .hasMessageContaining("2-d");
    }
  }
}
