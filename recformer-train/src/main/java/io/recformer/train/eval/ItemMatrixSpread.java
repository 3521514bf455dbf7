package io.recformer.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.recformer.core.metrics.CosineSpread;

/**
 * {@link CosineSpread} of an item matrix held as an NDArray: copies only the sampled rows to the
 * Java heap, so it is cheap next to encoding the matrix even for a 1.5 M-item catalog.
 */
public final class ItemMatrixSpread {

  private ItemMatrixSpread() {}

  /** The spread of up to {@link CosineSpread#DEFAULT_SAMPLE} rows drawn with the seed. */
  public static CosineSpread of(NDArray matrix, long seed) {
    if (matrix.getShape().dimension() != 2) {
      throw new IllegalArgumentException("item matrix must be 2-d, got " + matrix.getShape());
    }
    long rows = matrix.getShape().get(0);
    int dim = (int) matrix.getShape().get(1);
    long[] picked = CosineSpread.sampleRows(rows, CosineSpread.DEFAULT_SAMPLE, seed);
    float[] flat;
    try (NDManager scratch = matrix.getManager().newSubManager()) {
      NDArray sample = matrix.get(new NDIndex("{}", scratch.create(picked)));
      sample.attach(scratch);
      flat = sample.toFloatArray();
    }
    float[][] sample = new float[picked.length][dim];
    for (int i = 0; i < picked.length; i++) {
      System.arraycopy(flat, i * dim, sample[i], 0, dim);
    }
    return CosineSpread.of(sample, rows);
  }
}
