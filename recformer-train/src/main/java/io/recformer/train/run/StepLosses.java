package io.recformer.train.run;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;

/**
 * The losses of one optimizer step summed on the device and read back to the host once, when the
 * step is logged: reading a scalar after every micro-batch (or shard) waits for the device each
 * time. Each named component (e.g. total, IIC, MLM) is a float64 running sum of weighted scalar
 * losses, so the sum equals the one Java doubles would give for the same values in the same order.
 *
 * <p>Thread-safe: the shards of a micro-batch run on one thread per device and add concurrently
 * (the order of the float64 additions may then vary in the last bits).
 */
public final class StepLosses implements AutoCloseable {

  private final NDManager parent;
  private final Device device;
  private final NDArray[] sums;
  private NDManager scope;

  /**
   * @param parent manager on the device the sums live on (the primary replica's)
   * @param components how many losses are tracked side by side
   */
  public StepLosses(NDManager parent, int components) {
    if (components < 1) {
      throw new IllegalArgumentException("components = " + components + " must be >= 1");
    }
    this.parent = parent;
    this.device = parent.getDevice();
    this.sums = new NDArray[components];
  }

  /**
   * Adds {@code weight x loss} to component {@code component}. The scalar {@code loss} may belong
   * to a graph and to a scope closed right after: a detached float64 copy is kept on this object's
   * device.
   */
  public synchronized void add(int component, NDArray loss, double weight) {
    if (scope == null) {
      scope = parent.newSubManager();
    }
    NDArray value = loss.stopGradient();
    value.attach(scope);
    if (!value.getDevice().equals(device)) {
      value = value.toDevice(device, false);
      value.attach(scope);
    }
    // An op's result belongs to its first operand's manager: everything below stays in scope.
    NDArray term = value.toType(DataType.FLOAT64, false).mul(weight);
    sums[component] = sums[component] == null ? term : sums[component].add(term);
  }

  /**
   * Reads every component's sum back to the host in one transfer and starts a new step; a component
   * that received nothing is 0.
   */
  public synchronized double[] readAndReset() {
    double[] out = new double[sums.length];
    if (scope == null) {
      return out;
    }
    try {
      NDList present = new NDList();
      int[] at = new int[sums.length];
      Arrays.fill(at, -1);
      for (int i = 0; i < sums.length; i++) {
        if (sums[i] != null) {
          at[i] = present.size();
          present.add(sums[i]);
        }
      }
      double[] values =
          present.size() == 1
              ? new double[] {present.get(0).getDouble()}
              : NDArrays.stack(present).toDoubleArray();
      for (int i = 0; i < sums.length; i++) {
        out[i] = at[i] < 0 ? 0 : values[at[i]];
      }
      return out;
    } finally {
      Arrays.fill(sums, null);
      scope.close();
      scope = null;
    }
  }

  @Override
  public synchronized void close() {
    Arrays.fill(sums, null);
    if (scope != null) {
      scope.close();
      scope = null;
    }
  }
}
