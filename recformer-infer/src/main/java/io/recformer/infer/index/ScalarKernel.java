package io.recformer.infer.index;

/**
 * Plain-Java kernel: four independent accumulators (element {@code i} goes to accumulator {@code i
 * mod 4}), combined as {@code (s0 + s1) + (s2 + s3)}, then the tail. One accumulator would make
 * every addition wait for the previous one (3-4 cycles of latency); four let the CPU overlap them.
 * The JIT does not vectorize float reductions (it would change their rounding), so this runs at
 * about one multiply-add per cycle; see docs/benchmarks.md.
 */
final class ScalarKernel extends Kernel {

  @Override
  String name() {
    return "scalar (4 accumulators)";
  }

  @Override
  float dot(float[] q, float[] a, int off, int dim) {
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int bound = dim & ~3;
    int i = 0;
    for (; i < bound; i += 4) {
      s0 += q[i] * a[off + i];
      s1 += q[i + 1] * a[off + i + 1];
      s2 += q[i + 2] * a[off + i + 2];
      s3 += q[i + 3] * a[off + i + 3];
    }
    float s = (s0 + s1) + (s2 + s3);
    for (; i < dim; i++) {
      s += q[i] * a[off + i];
    }
    return s;
  }

  /**
   * Four separate {@link #dot} calls: the row is in L1 after the first, so memory traffic is still
   * shared. A fused two-query loop (eight accumulators) measured about 2x slower per product with
   * C2 on JDK 17 than this.
   */
  @Override
  void dot4(
      float[] q0, float[] q1, float[] q2, float[] q3, float[] a, int off, int dim, float[] out) {
    out[0] = dot(q0, a, off, dim);
    out[1] = dot(q1, a, off, dim);
    out[2] = dot(q2, a, off, dim);
    out[3] = dot(q3, a, off, dim);
  }
}
