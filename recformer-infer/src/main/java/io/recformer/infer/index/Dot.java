package io.recformer.infer.index;

/**
 * Inner-product kernels. Every kernel sums a row with the same four independent accumulators
 * (element {@code i} goes to accumulator {@code i mod 4}), combines them as {@code (s0 + s1) + (s2 +
 * s3)} and then adds the tail, so the one-query and two-query kernels return bit-identical scores:
 * batched and single queries, and any thread count, rank ties identically.
 *
 * <p>Why four independent accumulators: one accumulator makes every addition wait for the previous
 * one (3-4 cycles of latency); four let the CPU overlap them. The JIT does not vectorize float
 * reductions (their rounding would change), so this is the fastest plain-Java form; see
 * docs/benchmarks.md for measured rates.
 */
final class Dot {

  private Dot() {}

  /** {@code q . a[off .. off + dim)}. */
  static float dot(float[] q, float[] a, int off, int dim) {
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
   * Two queries against one row, read once: {@code out[outOff] = q0 . a}, {@code out[outOff + 1] =
   * q1 . a}, each bit-identical to {@link #dot}.
   */
  static void dot2(float[] q0, float[] q1, float[] a, int off, int dim, float[] out, int outOff) {
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    float t0 = 0f;
    float t1 = 0f;
    float t2 = 0f;
    float t3 = 0f;
    int bound = dim & ~3;
    int i = 0;
    for (; i < bound; i += 4) {
      float a0 = a[off + i];
      float a1 = a[off + i + 1];
      float a2 = a[off + i + 2];
      float a3 = a[off + i + 3];
      s0 += q0[i] * a0;
      s1 += q0[i + 1] * a1;
      s2 += q0[i + 2] * a2;
      s3 += q0[i + 3] * a3;
      t0 += q1[i] * a0;
      t1 += q1[i + 1] * a1;
      t2 += q1[i + 2] * a2;
      t3 += q1[i + 3] * a3;
    }
    float s = (s0 + s1) + (s2 + s3);
    float t = (t0 + t1) + (t2 + t3);
    for (; i < dim; i++) {
      s += q0[i] * a[off + i];
      t += q1[i] * a[off + i];
    }
    out[outOff] = s;
    out[outOff + 1] = t;
  }
}
