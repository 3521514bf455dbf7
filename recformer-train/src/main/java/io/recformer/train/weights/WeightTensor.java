package io.recformer.train.weights;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * A named float32 tensor held on the Java heap, engine-free: the unit of exchange between weight
 * importers, safetensors checkpoints and the DJL model. Names follow Hugging Face Longformer
 * ({@code encoder.layer.0.attention.self.query.weight}); Linear weights are {@code [out, in]}.
 *
 * @param name the parameter name
 * @param shape the dimensions, row-major
 * @param values the values, row-major; length = product of the shape
 */
// Arrays for speed: equals and hashCode below compare the contents; the values (bulk weights)
// are held by reference, not copied.
@SuppressWarnings("ArrayRecordComponent")
public record WeightTensor(String name, long[] shape, float[] values) {

  public WeightTensor {
    Objects.requireNonNull(name, "tensor name");
    shape = shape.clone();
    long expected = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "tensor '" + name + "' has negative dimension in " + Arrays.toString(shape));
      }
      expected = Math.multiplyExact(expected, d);
    }
    if (values.length != expected) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "tensor '%s' of shape %s needs %d values, got %d",
              name,
              Arrays.toString(shape),
              expected,
              values.length));
    }
  }

  /** Number of elements. */
  public int size() {
    return values.length;
  }

  /** Same data under another name. */
  public WeightTensor renamed(String newName) {
    return new WeightTensor(newName, shape, values);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WeightTensor other
        && name.equals(other.name)
        && Arrays.equals(shape, other.shape)
        && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "WeightTensor[" + name + " " + Arrays.toString(shape) + "]";
  }
}
