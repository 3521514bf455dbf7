package io.recformer.infer.index;

import java.util.List;
import java.util.Objects;

/** Validation and L2 normalization of the vectors and ids that enter an index. */
final class Vectors {

  private Vectors() {}

  static String[] idArray(List<String> ids, int vectorCount) {
    Objects.requireNonNull(ids, "ids");
    if (ids.size() != vectorCount) {
      throw new IllegalArgumentException(
          "got " + ids.size() + " ids but " + vectorCount + " vectors");
    }
    String[] out = new String[ids.size()];
    for (int i = 0; i < out.length; i++) {
      String id = ids.get(i);
      if (id == null || id.isEmpty()) {
        throw new IllegalArgumentException(
            "item id at position " + i + " is " + (id == null ? "null" : "empty"));
      }
      out[i] = id;
    }
    return out;
  }

  /** Validates and normalizes {@code vectors} into one row-major array. */
  static float[] normalizedRows(String[] idArray, float[][] vectors, int dimension, int firstRow) {
    if (dimension <= 0) {
      throw new IllegalArgumentException(
          "vector of item '"
              + idArray[0]
              + "' (row "
              + firstRow
              + ") is "
              + (vectors[0] == null ? "null" : "empty"));
    }
    if ((long) vectors.length * dimension > VectorStore.MAX_HEAP_SEGMENT_FLOATS) {
      throw new IllegalArgumentException(
          "build from float[][] holds at most "
              + VectorStore.MAX_HEAP_SEGMENT_FLOATS
              + " floats per call, got "
              + vectors.length
              + " x "
              + dimension
              + "; add the rest with add");
    }
    float[] flat = new float[vectors.length * dimension];
    for (int i = 0; i < vectors.length; i++) {
      float[] v = vectors[i];
      int row = firstRow + i;
      if (v == null || v.length != dimension) {
        throw new IllegalArgumentException(
            "vector of item '"
                + idArray[i]
                + "' (row "
                + row
                + ") has dimension "
                + (v == null ? "null" : Integer.toString(v.length))
                + ", expected "
                + dimension);
      }
      System.arraycopy(v, 0, flat, i * dimension, dimension);
      normalizeInPlace(idArray[i], row, flat, i * dimension, dimension);
    }
    return flat;
  }

  static void normalizeInPlace(String id, int row, float[] data, int offset, int dimension) {
    normalize(data, offset, dimension, "vector of item '" + id + "' (row " + row + ")");
  }

  /**
   * Scales {@code data[offset .. offset + length)} to unit L2 norm, computing the norm in double.
   * Rejects NaN, infinite and all-zero vectors, since their cosine similarity is undefined.
   */
  static void normalize(float[] data, int offset, int length, String name) {
    double sum = 0;
    for (int i = 0; i < length; i++) {
      float x = data[offset + i];
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException(
            name + " has " + x + " at position " + i + "; vectors must be finite");
      }
      sum += (double) x * x;
    }
    if (sum == 0) {
      throw new IllegalArgumentException(name + " is all zeros; cosine similarity is undefined");
    }
    double inv = 1.0 / Math.sqrt(sum);
    for (int i = 0; i < length; i++) {
      data[offset + i] = (float) (data[offset + i] * inv);
    }
  }

  /** A normalized copy of a query, rejecting null, wrong-dimension, zero and non-finite ones. */
  static float[] normalizedQuery(float[] query, int position, int count, int dimension) {
    String name = count == 1 ? "query" : "query " + position;
    if (query == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    if (query.length != dimension) {
      throw new IllegalArgumentException(
          name
              + " has dimension "
              + query.length
              + ", the index holds "
              + dimension
              + "-dim vectors");
    }
    float[] out = query.clone();
    normalize(out, 0, out.length, name);
    return out;
  }
}
