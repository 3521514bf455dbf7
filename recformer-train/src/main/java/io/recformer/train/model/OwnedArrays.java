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
 * memory and silently produces wrong gradients (values like 1e22 or NaN after a garbage
 * collection; see {@code BackwardAfterGcTest}). A clone owns its storage through PyTorch's
 * reference counting, so it stays valid as long as the graph needs it.
 */
final class OwnedArrays {

  private OwnedArrays() {}

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
