package io.recformer.train.run;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.recformer.train.model.OwnedArrays;
import io.recformer.train.model.RecformerModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * Synchronous data parallelism inside one process: one model replica per device, every micro-batch
 * split into contiguous per-device shards, each shard's forward and backward run on its own thread
 * (one thread per device, created once per run), and the replicas' gradients added onto the primary
 * model (device 0) before the optimizer steps it; {@link #broadcastWeights()} then copies the
 * updated weights back out device to device.
 *
 * <p>Each shard's loss is its mean over the shard, weighted by {@code shardSize / batchSize}, so
 * the summed gradient equals the single-device gradient of the whole micro-batch (up to floating
 * point order). Losses that couple the rows of a batch (in-batch negatives) see only their shard,
 * as in PyTorch's DistributedDataParallel without an all-gather.
 *
 * <p>Communication is one flat buffer per replica and direction: the gradients of a replica are
 * concatenated on its device, copied to device 0 in one transfer and added there; the weights are
 * concatenated on device 0, copied to each replica in one transfer and written into its parameters
 * in place. Nothing passes through host memory. Arrays trained outside the model (the fine-tuning
 * item matrix) join both directions through {@link #mirror(NDArray)}.
 *
 * <p>Shard losses run concurrently: a {@link ShardLoss} must not mutate shared state without
 * synchronization. With one device everything runs on the caller's thread. The same device may be
 * listed more than once: the replicas then share it, which is how the path is tested on a CPU.
 *
 * <p>Over 400 lines because the replicas, the thread per device and the device-to-device copies of
 * the weights and the trainable matrix all depend on one parameter order kept here.
 */
public final class DataParallel implements AutoCloseable {

  // The whole array (libtorch rejects an empty index list for an in-place put).
  private static final NDIndex FULL = new NDIndex(":");

  /** The loss of one shard on one replica. */
  @FunctionalInterface
  public interface ShardLoss<T> {

    /**
     * Runs the forward pass of {@code shard} on {@code replica} with gradients recorded. Called on
     * the replica's own thread, concurrently with the other replicas.
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
   * @param lossOnDevice the shard's mean loss as a scalar on the replica's device, or null when the
   *     loss was already read to the host into {@code loss}; summed on device 0 and read once per
   *     micro-batch
   * @param loss the shard's mean loss as reported in logs when {@code lossOnDevice} is null (may
   *     differ from {@code objective} when the objective is a surrogate with the same gradient)
   */
  public record ShardResult(NDArray objective, NDArray lossOnDevice, double loss) {

    /** A shard whose reported loss was computed on the host. */
    public ShardResult(NDArray objective, double loss) {
      this(objective, null, loss);
    }

    /** A shard whose reported loss stays on the device until the micro-batch is summed. */
    public ShardResult(NDArray objective, NDArray lossOnDevice) {
      this(objective, lossOnDevice, Double.NaN);
    }
  }

  /**
   * An array trained outside the model (on the primary) with a copy on every replica: broadcast
   * with the weights and its gradient reduced with theirs until closed.
   */
  public final class Mirror implements AutoCloseable {
    private final List<NDArray> copies;

    private Mirror(List<NDArray> copies) {
      this.copies = copies;
    }

    /** The array on replica {@code index} (0 = the primary's own array). */
    public NDArray get(int index) {
      return copies.get(index);
    }

    /** Stops mirroring and frees the replicas' copies (not the primary's array). */
    @Override
    public void close() {
      if (mirrors.remove(this)) {
        copies.subList(1, copies.size()).forEach(NDArray::close);
      }
    }
  }

  private final List<Device> devices;
  private final List<RecformerModel> replicas;
  private final List<NDManager> replicaManagers;
  private final NDManager primaryScratch;
  private final List<ExecutorService> threads;
  // Per replica, the model's parameter arrays in the primary's name order (stable objects).
  private final List<List<NDArray>> parameters;
  private final List<Mirror> mirrors = new ArrayList<>();
  // The loss scale of mixed precision, read at every backward (TrainingStep installs its scaler's).
  private volatile DoubleSupplier lossScale = () -> 1;

  private DataParallel(
      List<Device> devices, List<RecformerModel> replicas, List<NDManager> replicaManagers) {
    this.devices = devices;
    this.replicas = replicas;
    this.replicaManagers = replicaManagers;
    this.primaryScratch = NDManager.newBaseManager(devices.get(0));
    this.parameters = new ArrayList<>();
    List<String> names = List.copyOf(replicas.get(0).parameterShapes().keySet());
    for (RecformerModel replica : replicas) {
      List<NDArray> arrays = new ArrayList<>(names.size());
      for (String name : names) {
        arrays.add(replica.parameter(name).getArray());
      }
      parameters.add(arrays);
    }
    this.threads = new ArrayList<>();
    if (devices.size() > 1) {
      for (int i = 0; i < devices.size(); i++) {
        String threadName = "recformer-device-" + i + "-" + devices.get(i);
        threads.add(
            Executors.newSingleThreadExecutor(
                r -> {
                  Thread t = new Thread(r, threadName);
                  t.setDaemon(true);
                  return t;
                }));
      }
    }
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

  /**
   * Sets the loss scale of mixed-precision training: every backward multiplies its objective by
   * {@code scale.getAsDouble()} on top of the {@code scale} argument of {@link #forwardBackward},
   * so the gradients reach the primary model scaled and the optimizer step divides them again.
   * {@link TrainingStep} installs its {@code DynamicLossScaler}'s scale (1 without one); read on
   * the device threads, so it must only change between micro-batches.
   */
  public void scaleLossesBy(DoubleSupplier scale) {
    this.lossScale = Objects.requireNonNull(scale, "scale");
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
   * Mirrors {@code primaryArray} (on device 0, e.g. a trainable item matrix) onto every replica:
   * each gets a copy that requires a gradient when the primary does; {@link #broadcastWeights()}
   * refreshes the copies and the replicas' gradients of it are added onto the primary's like the
   * model's. Close the mirror before replacing or closing the primary array.
   */
  public Mirror mirror(NDArray primaryArray) {
    List<NDArray> copies = new ArrayList<>();
    copies.add(primaryArray);
    boolean before = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (int r = 1; r < replicas.size(); r++) {
        Device device = devices.get(r);
        // toDevice to the array's own device returns the array itself, even when asked to copy.
        NDArray copy =
            device.equals(primaryArray.getDevice())
                ? primaryArray.duplicate()
                : primaryArray.toDevice(device, false);
        copy.attach(replicaManagers.get(r - 1));
        if (primaryArray.hasGradient()) {
          copy.setRequiresGradient(true);
        }
        copies.add(copy);
      }
    } finally {
      JniUtils.setGradMode(before);
    }
    Mirror m = new Mirror(copies);
    mirrors.add(m);
    return m;
  }

  /** The arrays of replica {@code r} that take part in broadcast and reduction, in fixed order. */
  private List<NDArray> tracked(int r) {
    List<NDArray> out = new ArrayList<>(parameters.get(r));
    for (Mirror m : mirrors) {
      out.add(m.get(r));
    }
    return out;
  }

  /**
   * Copies every weight of the primary model (and every {@link #mirror}), and whether it is
   * trainable, into the replicas: one concatenated buffer copied device to device per replica, then
   * written into the replica's parameters in place. Call after the optimizer step and after weights
   * are loaded into the primary.
   */
  public void broadcastWeights() {
    if (replicas.size() == 1) {
      return;
    }
    boolean before = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scope0 = primaryScratch.newSubManager()) {
      List<NDArray> sources = tracked(0);
      NDArray flat = flatten(sources, scope0);
      long[] splits = splitPoints(sources);
      for (int r = 1; r < replicas.size(); r++) {
        List<NDArray> targets = tracked(r);
        try (NDManager scopeR = replicaManagers.get(r - 1).newSubManager()) {
          NDArray moved = flat.toDevice(devices.get(r), false);
          if (moved != flat) {
            moved.attach(scopeR);
          }
          NDList pieces = moved.split(splits);
          pieces.attach(scopeR);
          for (int j = 0; j < targets.size(); j++) {
            NDArray source = sources.get(j);
            NDArray target = targets.get(j);
            NDArray piece = pieces.get(j).reshape(target.getShape());
            piece.attach(scopeR);
            target.set(FULL, piece); // an in-place copy_
            if (target.hasGradient() != source.hasGradient()) {
              target.setRequiresGradient(source.hasGradient());
            }
          }
        }
      }
    } finally {
      JniUtils.setGradMode(before);
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
   * @param scale factor on the batch's mean loss before backward (1 / accumulation steps); the loss
   *     scale of mixed precision ({@link #scaleLossesBy}) multiplies it, and the reported loss is
   *     not scaled
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
    for (RecformerModel replica : replicas) {
      replica.setGradientCheckpointing(replicas.get(0).gradientCheckpointing());
      replica.setPrecision(replicas.get(0).precision());
    }
    double lossScaled = scale * lossScale.getAsDouble();
    int parts0 = Math.max(1, Math.min(replicas.size(), batch.size() / Math.max(1, minShardSize)));
    List<List<T>> parts = shards(batch, parts0);
    List<ShardDone> done = new ArrayList<>(parts.size());
    if (parts.size() == 1) {
      done.add(runShard(0, parts.get(0), 1.0, lossScaled, loss, scope));
    } else {
      List<Future<ShardDone>> pending = new ArrayList<>(parts.size());
      for (int i = 0; i < parts.size(); i++) {
        int index = i;
        List<T> shard = parts.get(i);
        double weight = (double) shard.size() / batch.size();
        NDManager shardScope = i == 0 ? scope : scope.newSubManager(devices.get(i));
        pending.add(
            threads
                .get(i)
                .submit(() -> runShard(index, shard, weight, lossScaled, loss, shardScope)));
      }
      RuntimeException failure = null;
      for (Future<ShardDone> f : pending) {
        try {
          done.add(f.get());
        } catch (ExecutionException e) {
          if (failure == null) {
            failure = unwrap(e);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          if (failure == null) {
            failure = new IllegalStateException("interrupted while shards were running", e);
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
      reduceGradients(scope, parts.size());
    }
    return reportedLoss(done, scope);
  }

  /** A finished shard: its weighted loss, on its device or already on the host. */
  private record ShardDone(NDArray weightedLossOnDevice, double weightedHostLoss) {}

  private <T> ShardDone runShard(
      int index, List<T> shard, double weight, double scale, ShardLoss<T> loss, NDManager scope) {
    // Grad mode is thread-local in libtorch: each device thread turns it on for its own forward.
    boolean before = JniUtils.isGradMode();
    JniUtils.setGradMode(true);
    try {
      ShardResult r = loss.apply(replicas.get(index), index, scope, shard);
      NDArray objective = OwnedArrays.scale(r.objective(), weight * scale);
      NDArray seed = objective.onesLike();
      JniUtils.backward((PtNDArray) objective, (PtNDArray) seed, false, false);
      seed.close();
      replicas.get(index).finishCheckpointedBackward(); // no-op without gradient checkpointing
      JniUtils.setGradMode(false);
      if (r.lossOnDevice() == null) {
        return new ShardDone(null, weight * r.loss());
      }
      NDArray weighted = r.lossOnDevice().stopGradient().mul(weight);
      weighted.attach(scope);
      return new ShardDone(weighted, 0);
    } finally {
      JniUtils.setGradMode(before);
    }
  }

  /** Sums the shards' weighted losses: on device 0, one read back for the micro-batch. */
  private static double reportedLoss(List<ShardDone> done, NDManager scope) {
    double host = 0;
    NDArray sum = null;
    for (ShardDone d : done) {
      host += d.weightedHostLoss();
      if (d.weightedLossOnDevice() != null) {
        NDArray term = d.weightedLossOnDevice().toDevice(scope.getDevice(), false);
        term.attach(scope);
        sum = sum == null ? term : sum.add(term);
      }
    }
    return sum == null ? host : host + sum.toType(DataType.FLOAT64, false).getDouble();
  }

  /**
   * Adds the gradients of replicas 1..{@code used - 1} onto the primary's (one concatenated
   * transfer per replica) and zeroes the replica's. A replica without a shard has nothing to add.
   */
  private void reduceGradients(NDManager scope, int used) {
    boolean before = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scope0 = scope.newSubManager()) {
      List<NDArray> primary = tracked(0);
      for (int r = 1; r < used; r++) {
        List<NDArray> replica = tracked(r);
        try (NDManager scopeR = replicaManagers.get(r - 1).newSubManager()) {
          List<NDArray> into = new ArrayList<>();
          List<NDArray> from = new ArrayList<>();
          List<NDArray> owners = new ArrayList<>();
          for (int j = 0; j < primary.size(); j++) {
            if (!primary.get(j).hasGradient() || !replica.get(j).hasGradient()) {
              continue;
            }
            NDArray g = replica.get(j).getGradient();
            if (g == null) { // not reached by this replica's graph
              continue;
            }
            g.attach(scopeR);
            NDArray target = primary.get(j).getGradient();
            if (target == null) {
              throw new IllegalStateException(
                  "replica " + r + " has a gradient for array " + j + " but the primary has none");
            }
            target.attach(scope0);
            into.add(target);
            from.add(g);
            owners.add(replica.get(j));
          }
          if (from.isEmpty()) {
            continue;
          }
          NDArray moved = flatten(from, scopeR).toDevice(devices.get(0), false);
          moved.attach(scope0);
          NDList pieces = moved.split(splitPoints(from));
          pieces.attach(scope0);
          for (int j = 0; j < into.size(); j++) {
            NDArray piece = pieces.get(j).reshape(into.get(j).getShape());
            piece.attach(scope0);
            into.get(j).addi(piece);
          }
          for (NDArray p : owners) {
            JniUtils.zeroGrad((PtNDArray) p);
          }
        }
      }
    } finally {
      JniUtils.setGradMode(before);
    }
  }

  /** The arrays flattened and concatenated into one buffer owned by {@code out}. */
  private static NDArray flatten(List<NDArray> arrays, NDManager out) {
    NDList flat = new NDList(arrays.size());
    for (NDArray a : arrays) {
      NDArray f = a.reshape(-1);
      f.attach(out);
      flat.add(f);
    }
    NDArray all = flat.size() == 1 ? flat.get(0) : NDArrays.concat(flat);
    all.attach(out);
    return all;
  }

  /** Offsets at which the concatenation of {@code arrays} splits back into them. */
  private static long[] splitPoints(List<NDArray> arrays) {
    long[] points = new long[arrays.size() - 1];
    long at = 0;
    for (int i = 0; i < points.length; i++) {
      at += arrays.get(i).size();
      points[i] = at;
    }
    return points;
  }

  private static RuntimeException unwrap(ExecutionException e) {
    Throwable cause = e.getCause();
    if (cause instanceof RuntimeException re) {
      return re;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new IllegalStateException("a device thread failed: " + cause, cause);
  }

  @Override
  public void close() {
    for (ExecutorService t : threads) {
      t.shutdown();
    }
    for (ExecutorService t : threads) {
      try {
        if (!t.awaitTermination(1, TimeUnit.MINUTES)) {
          t.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        t.shutdownNow();
      }
    }
    new ArrayList<>(mirrors).forEach(Mirror::close);
    for (int r = 1; r < replicas.size(); r++) {
      replicas.get(r).close();
    }
    replicaManagers.forEach(NDManager::close);
    primaryScratch.close();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "DataParallel%s", devices);
  }
}
