package io.recformer.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays created from Java data that own their native memory.
 *
 * <p>DJL's PyTorch engine wraps the direct buffer holding Java data without copying, and only the
 * {@code NDArray} object keeps that buffer alive. The encoder creates such arrays (embedding
 * indices, masks) in a scratch manager that is closed before {@code backward}, while autograd has
 * saved them for the backward pass; once the buffer is garbage-collected, backward reads freed
 * memory and silently produces wrong gradients (values like 1e22 or NaN after a garbage collection;
 * see {@code BackwardAfterGcTest}). A clone owns its storage through PyTorch's reference counting,
 * so it stays valid as long as the graph needs it.
 */
public final class OwnedArrays {

  private OwnedArrays() {}

  /**
   * {@code x * factor} with the factor held in an owned scalar array. DJL's {@code mul(Number)} and
   * {@code div(Number)} wrap the number in a borrowed buffer and close it right away, but autograd
   * keeps that scalar for the backward pass of a product (d(x * c)/dx = c): after a garbage
   * collection backward would read freed memory. Use this for every scalar factor on a path that
   * gradients flow through.
   */
  public static NDArray scale(NDArray x, double factor) {
    try (NDArray scalar = create(x.getManager(), new float[] {(float) factor}, new Shape())) {
      return x.mul(scalar);
    }
  }

  static NDArray create(NDManager manager, float[] data, Shape shape) {
    return own(manager.create(data, shape));
  }

  static NDArray create(NDManager manager, long[] data, Shape shape) {
    return own(manager.create(data, shape));
  }

  private static NDArray own(NDArray borrowed) {
    NDArray owned = borrowed.duplicate();
    borrowed.close();
    return owned;
  }
}
