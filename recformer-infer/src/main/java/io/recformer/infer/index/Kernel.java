package io.recformer.infer.index;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.LoggerFactory;

/**
 * Inner-product kernels of the scan. Two implementations: {@link ScalarKernel} (plain Java, always
 * available) and {@link VectorKernel} (the JDK's incubating Vector API, several times faster per
 * core; used only when the JVM runs with {@code --add-modules jdk.incubator.vector}).
 *
 * <p>Contract that makes results deterministic: within one kernel, {@link #dot4} computes each of
 * its four products with exactly the operations of {@link #dot}, so batched and single queries, and
 * any thread count, give bit-identical scores and therefore identical rankings of ties.
 */
abstract class Kernel {

  /**
   * System property forcing a kernel: "scalar" or "vector" (the default picks the fastest
   * available).
   */
  static final String PROPERTY = "recformer.index.kernel";

  /** The kernel every index uses unless told otherwise. */
  static final Kernel ACTIVE = choose(System.getProperty(PROPERTY, "auto"));

  abstract String name();

  /** {@code q . a[off .. off + dim)}. */
  abstract float dot(float[] q, float[] a, int off, int dim);

  /** {@code out[j] = qj . a[off .. off + dim)} for j = 0..3, each bit-identical to {@link #dot}. */
  abstract void dot4(
      float[] q0, float[] q1, float[] q2, float[] q3, float[] a, int off, int dim, float[] out);

  /**
   * Whether this kernel reads mapped segments in place through {@link #dot(float[], ByteBuffer,
   * int, int)}; otherwise the scan copies each tile of a mapped segment into a heap array first.
   */
  boolean readsBuffers() {
    return false;
  }

  /**
   * {@code q . } the row of {@code dim} little-endian floats at byte {@code byteOffset} of {@code
   * buf}.
   */
  float dot(float[] q, ByteBuffer buf, int byteOffset, int dim) {
    throw new UnsupportedOperationException(name() + " does not read buffers");
  }

  static boolean vectorModulePresent() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** The vector kernel, or null when the incubator module is not in the boot layer. */
  static Kernel vectorOrNull() {
    if (!vectorModulePresent()) {
      return null;
    }
    try {
      // Loaded reflectively so that the scalar path never links against the incubator module.
      Kernel kernel =
          Class.forName("io.recformer.infer.index.VectorKernel")
              .asSubclass(Kernel.class)
              .getDeclaredConstructor()
              .newInstance();
      selfTest(kernel);
      return kernel;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      LoggerFactory.getLogger(Kernel.class)
          .warn("Vector API present but unusable, using the scalar kernel", e);
      return null;
    }
  }

  /**
   * Calls every method once, so that an incubator API that changed in a later JDK fails here (and
   * the scalar kernel is used) rather than in the middle of a query.
   */
  private static void selfTest(Kernel kernel) {
    int dim = 67;
    float[] row = new float[dim];
    for (int i = 0; i < dim; i++) {
      row[i] = 1f;
    }
    ByteBuffer buf = ByteBuffer.allocateDirect(dim * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(row);
    float[] out = new float[4];
    kernel.dot4(row, row, row, row, row, 0, dim, out);
    float fromArray = kernel.dot(row, row, 0, dim);
    float fromBuffer = kernel.dot(row, buf, 0, dim);
    if (fromArray != dim || fromBuffer != dim || out[3] != dim) {
      throw new IllegalStateException(
          "kernel self-test failed: " + fromArray + ", " + fromBuffer + ", " + out[3]);
    }
  }

  private static Kernel choose(String requested) {
    Kernel chosen;
    switch (requested) {
      case "scalar" -> chosen = new ScalarKernel();
      case "vector" -> {
        chosen = vectorOrNull();
        if (chosen == null) {
          throw new IllegalStateException(
              "-D"
                  + PROPERTY
                  + "=vector needs the JVM option"
                  + " --add-modules jdk.incubator.vector");
        }
      }
      case "auto" -> {
        chosen = vectorOrNull();
        if (chosen == null) {
          chosen = new ScalarKernel();
        }
      }
      default ->
          throw new IllegalStateException(
              "-D" + PROPERTY + " must be scalar, vector or auto, was '" + requested + "'");
    }
    LoggerFactory.getLogger(Kernel.class)
        .info("item index inner-product kernel: {}", chosen.name());
    return chosen;
  }
}
