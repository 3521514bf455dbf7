package io.recformer.train.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Differentiable dtype casts for mixed precision.
 *
 * <p>DJL 0.36's {@code NDArray.toType} runs under libtorch's {@code NoGradGuard} (see {@code
 * torchTo} in DJL's JNI), so a cast made with it cuts the graph: nothing would reach the float32
 * master weights. A cumulative product over a new axis of length 1 with an output dtype is the
 * identity in that dtype, and PyTorch's {@code cumprod_backward} returns the incoming gradient
 * unchanged for an axis of length 1 (cast back to the input's dtype by autograd), so it is a cast
 * that autograd sees. Casts to float32 mostly need none of this: adding a float32 array to a
 * float16 one promotes the sum to float32 with the graph intact.
 */
final class Casts {

  private Casts() {}

  /** {@code x} in {@code type} (itself when it already is), in {@code x}'s manager. */
  static NDArray to(NDArray x, DataType type) {
    if (x.getDataType() == type) {
      return x;
    }
    // Axis 0, not the last: CUDA scans an outer axis with one thread per element.
    return x.expandDims(0).cumProd(0, type).squeeze(0);
  }

  /**
   * A parameter's value in {@code type} for one forward, owned by {@code scope}: without the
   * attach, the cast would join the model's own manager and accumulate there forward after forward.
   */
  static NDArray parameter(
      ParameterStore store,
      Parameter p,
      Device device,
      boolean training,
      DataType type,
      NDManager scope) {
    NDArray value = store.getValue(p, device, training);
    if (value.getDataType() == type) {
      return value;
    }
    NDArray view = value.expandDims(0);
    view.attach(scope);
    return view.cumProd(0, type).squeeze(0);
  }
}
