package io.recformer.infer.index;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Streaming sum with the Vector API, for {@link IndexBenchmark}'s memory-bandwidth measurement. */
final class VectorSum {

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  private VectorSum() {}

  static double sum(float[] data, int from, int to) {
    int lanes = SPECIES.length();
    FloatVector a0 = FloatVector.zero(SPECIES);
    FloatVector a1 = FloatVector.zero(SPECIES);
    FloatVector a2 = FloatVector.zero(SPECIES);
    FloatVector a3 = FloatVector.zero(SPECIES);
    int i = from;
    for (; i + 4 * lanes <= to; i += 4 * lanes) {
      a0 = a0.add(FloatVector.fromArray(SPECIES, data, i));
      a1 = a1.add(FloatVector.fromArray(SPECIES, data, i + lanes));
      a2 = a2.add(FloatVector.fromArray(SPECIES, data, i + 2 * lanes));
      a3 = a3.add(FloatVector.fromArray(SPECIES, data, i + 3 * lanes));
    }
    double s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    for (; i < to; i++) {
      s += data[i];
    }
    return s;
  }
}
