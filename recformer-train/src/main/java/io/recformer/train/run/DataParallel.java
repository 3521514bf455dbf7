package io.recformer.train.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.recformer.train.model.OwnedArrays;
import io.recformer.train.model.RecformerModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Synchronous data parallelism inside one process: one model replica per device, every micro-batch
 * split into contiguous per-device shards, one backward pass over the sum of the shards' weighted
 * losses, and the replicas' gradients added onto the primary model (device 0) before the optimizer
 * steps it; {@link #broadcastWeights()} then copies the updated weights back out.
 *
 * <p>Each shard's loss is its mean over the shard, weighted by {@code shardSize / batchSize}, so
 * the summed gradient equals the single-device gradient of the whole micro-batch (up to floating
 * point order). Losses that couple the rows of a batch (in-batch negatives) see only their shard,
 * as in PyTorch's DistributedDataParallel without an all-gather.
 *
 * <p>With one device this is a plain forward/backward on the primary model, so the training loops
 * have a single code path. The same device may be listed more than once: the replicas then share
 * it, which is how the path is tested on a CPU.
 */
public final class DataParallel implements AutoCloseable {

  /** The loss of one shard on one replica. */
  @FunctionalInterface
  public interface ShardLoss<T> {

    /**
     * Runs the forward pass of {@code shard} on {@code replica} inside an open gradient collector.
     *
     * @param scope a manager on the replica's device that owns this shard's arrays
     * @param index the replica's index (0 = primary), e.g. to pick per-device constants
     * @return the scalar to differentiate (the mean over the shard) and the value to report
     */
    ShardResult apply(RecformerModel replica, int index, NDManager scope, List<T> shard);
  }

  /**
   * What one replica computed on its shard.
   *
   * @param objective scalar whose gradient is the shard's (a mean over the shard's rows)
   * @param loss the shard's mean loss as reported in logs (may differ from {@code objective} when
   *     the objective is a surrogate with the same gradient)
   */
  public record ShardResult(NDArray objective, double loss) {}

  private final List<Device> devices;
  private final List<RecformerModel> replicas;
  private final List<NDManager> replicaManagers;

  private DataParallel(
      List<Device> devices, List<RecformerModel> replicas, List<NDManager> replicaManagers) {
    this.devices = devices;
    this.replicas = replicas;
    this.replicaManagers = replicaManagers;
  }

  /**
   * Replicates {@code primary} (which must live on {@code devices.get(0)}) onto the other devices
   * and copies its weights there. The primary model stays owned by the caller.
   */
  public static DataParallel of(RecformerModel primary, List<Device> devices, long seed) {
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("at least one device is needed");
    }
    List<RecformerModel> replicas = new ArrayList<>();
    List<NDManager> managers = new ArrayList<>();
    replicas.add(primary);
    try {
      for (Device device : devices.subList(1, devices.size())) {
        NDManager m = NDManager.newBaseManager(device);
        managers.add(m);
        replicas.add(RecformerModel.newInstance(m, primary.config(), seed));
      }
    } catch (RuntimeException e) {
      replicas.subList(1, replicas.size()).forEach(RecformerModel::close);
      managers.forEach(NDManager::close);
      throw e;
    }
    DataParallel parallel = new DataParallel(List.copyOf(devices), replicas, managers);
    parallel.broadcastWeights();
    return parallel;
  }

  /** Number of replicas (devices). */
  public int size() {
    return replicas.size();
  }

  public Device device(int index) {
    return devices.get(index);
  }

  public RecformerModel replica(int index) {
    return replicas.get(index);
  }

  /**
   * Copies every weight of the primary model, and whether it is trainable, into the replicas. Call
   * after the optimizer step and after weights are loaded into the primary.
   */
  public void broadcastWeights() {
    RecformerModel primary = replicas.get(0);
    for (int r = 1; r < replicas.size(); r++) {
      RecformerModel replica = replicas.get(r);
      for (String name : primary.parameterShapes().keySet()) {
        NDArray source = primary.parameter(name).getArray();
        NDArray target = replica.parameter(name).getArray();
        target.set(source.toByteBuffer());
        if (target.hasGradient() != source.hasGradient()) {
          target.setRequiresGradient(source.hasGradient());
        }
      }
    }
  }

  /**
   * Splits {@code batch} into at most {@link #size()} contiguous shards whose sizes differ by at
   * most one (no empty shards).
   */
  public static <T> List<List<T>> shards(List<T> batch, int parts) {
    int n = Math.min(parts, batch.size());
    List<List<T>> out = new ArrayList<>(n);
    int from = 0;
    for (int i = 0; i < n; i++) {
      int size = batch.size() / n + (i < batch.size() % n ? 1 : 0);
      out.add(batch.subList(from, from + size));
      from += size;
    }
    return out;
  }

  /**
   * Forward and backward of one micro-batch over all replicas, gradients accumulated onto the
   * primary model (added to whatever it already holds, as gradient accumulation needs).
   *
   * @param batch the micro-batch
   * @param loss the per-shard loss
   * @param scale factor on the batch's mean loss before backward (1 / accumulation steps)
   * @param scope manager on the primary device for this micro-batch's arrays
   * @return the micro-batch's mean loss
   */
  public <T> double forwardBackward(
      List<T> batch, ShardLoss<T> loss, double scale, NDManager scope) {
    return forwardBackward(batch, loss, scale, scope, 1);
  }

  /**
   * As {@link #forwardBackward(List, ShardLoss, double, NDManager)}, using fewer devices when
   * needed so that no shard has fewer than {@code minShardSize} rows (a contrastive loss over
   * in-batch negatives needs two).
   */
  public <T> double forwardBackward(
      List<T> batch, ShardLoss<T> loss, double scale, NDManager scope, int minShardSize) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("empty micro-batch");
    }
    int parts0 = Math.max(1, Math.min(replicas.size(), batch.size() / Math.max(1, minShardSize)));
    List<List<T>> parts = shards(batch, parts0);
    double reported = 0;
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray total = null;
      for (int i = 0; i < parts.size(); i++) {
        List<T> shard = parts.get(i);
        double weight = (double) shard.size() / batch.size();
        NDManager shardScope = i == 0 ? scope : scope.newSubManager(devices.get(i));
        ShardResult r = loss.apply(replicas.get(i), i, shardScope, shard);
        reported += weight * r.loss();
        NDArray term = OwnedArrays.scale(r.objective(), weight * scale);
        if (i > 0) {
          // A differentiable copy: backward flows from device 0 into the replica's graph.
          term = term.toDevice(devices.get(0), true);
          term.attach(scope);
        }
        total = total == null ? term : total.add(term);
      }
      collector.backward(total);
    }
    reduceGradients();
    return reported;
  }

  /** Adds each replica's gradients onto the primary's and zeroes the replica's. */
  private void reduceGradients() {
    RecformerModel primary = replicas.get(0);
    for (int r = 1; r < replicas.size(); r++) {
      RecformerModel replica = replicas.get(r);
      for (String name : primary.parameterShapes().keySet()) {
        NDArray target = primary.parameter(name).getArray();
        NDArray source = replica.parameter(name).getArray();
        if (!target.hasGradient() || !source.hasGradient()) {
          continue;
        }
        try (NDManager scratch = NDManager.newBaseManager(devices.get(0))) {
          NDArray g = source.getGradient();
          g.attach(scratch);
          NDArray copy = g.toDevice(devices.get(0), true);
          copy.attach(scratch);
          NDArray into = target.getGradient();
          into.attach(scratch);
          into.addi(copy);
          g.subi(g);
        }
      }
    }
  }

  @Override
  public void close() {
    for (int r = 1; r < replicas.size(); r++) {
      replicas.get(r).close();
    }
    replicaManagers.forEach(NDManager::close);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "DataParallel%s", devices);
  }
}
