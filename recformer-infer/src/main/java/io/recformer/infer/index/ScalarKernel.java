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

  @Override
  void dot4(float[] q0, float[] q1, float[] q2, float[] q3, float[] a, int off, int dim, float[] out) {
    dot2(q0, q1, a, off, dim, out, 0);
    dot2(q2, q3, a, off, dim, out, 2);
  }

  /** Two queries against one row read once; each result bit-identical to {@link #dot}. */
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
