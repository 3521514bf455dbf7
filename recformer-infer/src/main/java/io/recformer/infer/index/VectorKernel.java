package io.recformer.infer.index;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernel (JDK incubator module, enabled with {@code --add-modules
 * jdk.incubator.vector}): fused multiply-adds over the widest vectors the CPU offers, two
 * accumulators per product (even and odd chunks) to overlap the FMA latency.
 *
 * <p>The lanes are summed with a fixed butterfly of shuffles and adds rather than {@code
 * reduceLanes}, whose summation order is left to the implementation: this keeps interpreted and
 * compiled code, and {@link #dot} and {@link #dot4}, bit-identical. The buffer variant runs the
 * same operations on vectors loaded straight from a mapped file, so a mapped index needs no copy
 * and scores bit-identically to the same index on the heap.
 */
final class VectorKernel extends Kernel {

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  /** SWAPS[k] exchanges lanes at distance 2^k; log2(LANES) steps leave the total in lane 0. */
  private static final VectorShuffle<Float>[] SWAPS = swaps();

  @SuppressWarnings({"unchecked", "rawtypes"}) // generic array creation
  private static VectorShuffle<Float>[] swaps() {
    int steps = Integer.numberOfTrailingZeros(LANES);
    VectorShuffle<Float>[] out = new VectorShuffle[steps];
    for (int k = 0; k < steps; k++) {
      int distance = 1 << k;
      out[k] = VectorShuffle.fromOp(SPECIES, i -> i ^ distance);
    }
    return out;
  }

  @Override
  String name() {
    return "vector (" + SPECIES.vectorBitSize() + "-bit, " + LANES + " float lanes)";
  }

  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

  @Override
  boolean readsBuffers() {
    return true;
  }

  private static float sum(FloatVector v) {
    for (VectorShuffle<Float> swap : SWAPS) {
      v = v.add(v.rearrange(swap));
    }
    return v.lane(0);
  }

  @Override
  float dot(float[] q, float[] a, int off, int dim) {
    FloatVector acc0 = FloatVector.zero(SPECIES);
    FloatVector acc1 = FloatVector.zero(SPECIES);
    int pairs = dim - dim % (2 * LANES);
    int i = 0;
    for (; i < pairs; i += 2 * LANES) {
      acc0 =
          FloatVector.fromArray(SPECIES, q, i)
              .fma(FloatVector.fromArray(SPECIES, a, off + i), acc0);
      acc1 =
          FloatVector.fromArray(SPECIES, q, i + LANES)
              .fma(FloatVector.fromArray(SPECIES, a, off + i + LANES), acc1);
    }
    if (i + LANES <= dim) {
      acc0 =
          FloatVector.fromArray(SPECIES, q, i)
              .fma(FloatVector.fromArray(SPECIES, a, off + i), acc0);
      i += LANES;
    }
    float s = sum(acc0.add(acc1));
    for (; i < dim; i++) {
      s += q[i] * a[off + i];
    }
    return s;
  }

  @Override
  void dot4(
      float[] q0, float[] q1, float[] q2, float[] q3, float[] a, int off, int dim, float[] out) {
    FloatVector a00 = FloatVector.zero(SPECIES);
    FloatVector a01 = FloatVector.zero(SPECIES);
    FloatVector a10 = FloatVector.zero(SPECIES);
    FloatVector a11 = FloatVector.zero(SPECIES);
    FloatVector a20 = FloatVector.zero(SPECIES);
    FloatVector a21 = FloatVector.zero(SPECIES);
    FloatVector a30 = FloatVector.zero(SPECIES);
    FloatVector a31 = FloatVector.zero(SPECIES);
    int pairs = dim - dim % (2 * LANES);
    int i = 0;
    for (; i < pairs; i += 2 * LANES) {
      FloatVector x = FloatVector.fromArray(SPECIES, a, off + i);
      FloatVector y = FloatVector.fromArray(SPECIES, a, off + i + LANES);
      a00 = FloatVector.fromArray(SPECIES, q0, i).fma(x, a00);
      a01 = FloatVector.fromArray(SPECIES, q0, i + LANES).fma(y, a01);
      a10 = FloatVector.fromArray(SPECIES, q1, i).fma(x, a10);
      a11 = FloatVector.fromArray(SPECIES, q1, i + LANES).fma(y, a11);
      a20 = FloatVector.fromArray(SPECIES, q2, i).fma(x, a20);
      a21 = FloatVector.fromArray(SPECIES, q2, i + LANES).fma(y, a21);
      a30 = FloatVector.fromArray(SPECIES, q3, i).fma(x, a30);
      a31 = FloatVector.fromArray(SPECIES, q3, i + LANES).fma(y, a31);
    }
    if (i + LANES <= dim) {
      FloatVector x = FloatVector.fromArray(SPECIES, a, off + i);
      a00 = FloatVector.fromArray(SPECIES, q0, i).fma(x, a00);
      a10 = FloatVector.fromArray(SPECIES, q1, i).fma(x, a10);
      a20 = FloatVector.fromArray(SPECIES, q2, i).fma(x, a20);
      a30 = FloatVector.fromArray(SPECIES, q3, i).fma(x, a30);
      i += LANES;
    }
    float s0 = sum(a00.add(a01));
    float s1 = sum(a10.add(a11));
    float s2 = sum(a20.add(a21));
    float s3 = sum(a30.add(a31));
    for (; i < dim; i++) {
      float x = a[off + i];
      s0 += q0[i] * x;
      s1 += q1[i] * x;
      s2 += q2[i] * x;
      s3 += q3[i] * x;
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  }

  // The buffer variant below repeats the array variant operation for operation (loads differ only
  // in their source), which is what keeps mapped and heap scores bit-identical.

  @Override
  float dot(float[] q, ByteBuffer a, int byteOffset, int dim) {
    FloatVector acc0 = FloatVector.zero(SPECIES);
    FloatVector acc1 = FloatVector.zero(SPECIES);
    int pairs = dim - dim % (2 * LANES);
    int i = 0;
    for (; i < pairs; i += 2 * LANES) {
      acc0 = FloatVector.fromArray(SPECIES, q, i).fma(load(a, byteOffset, i), acc0);
      acc1 = FloatVector.fromArray(SPECIES, q, i + LANES).fma(load(a, byteOffset, i + LANES), acc1);
    }
    if (i + LANES <= dim) {
      acc0 = FloatVector.fromArray(SPECIES, q, i).fma(load(a, byteOffset, i), acc0);
      i += LANES;
    }
    float s = sum(acc0.add(acc1));
    for (; i < dim; i++) {
      s += q[i] * a.getFloat(byteOffset + i * Float.BYTES);
    }
    return s;
  }

  private static FloatVector load(ByteBuffer a, int byteOffset, int element) {
    return FloatVector.fromByteBuffer(SPECIES, a, byteOffset + element * Float.BYTES, LE);
  }
}
