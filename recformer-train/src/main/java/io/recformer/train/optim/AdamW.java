package io.recformer.train.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * AdamW (Loshchilov and Hutter) with PyTorch's update order: {@code p -= lr * wd * p} (decoupled
 * decay, skipped for biases and LayerNorm weights as the original's parameter groups do), then
 * {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2}, {@code p -= lr * (m / (1 - b1^t))
 * / (sqrt(v / (1 - b2^t)) + eps)}.
 *
 * <p>Written on NDArrays instead of using DJL's {@code AdamW} so the state (moments and step count)
 * can be saved for resume and the no-decay rule is explicit and tested against a hand-computed
 * step. Gradients are read from the arrays handed to {@link #step} and zeroed afterwards (by a
 * fill), so gradients of several micro-batches accumulate between steps (PyTorch adds up gradients
 * of successive backward passes). Clipping and the check for non-finite gradients are {@link
 * OptimizerStep}'s. Not thread-safe; one optimizer per training run.
 *
 * <h2>Multi-tensor update</h2>
 *
 * Parameters that share a rate factor, a decay rule and a device form a bucket whose two moments
 * live in one flat buffer each (the per-name moments are views into it). A step concatenates the
 * bucket's gradients once and runs the moment and step arithmetic as about ten whole-buffer ops,
 * instead of about fifteen small ops and six temporaries per parameter (a MiniLM-size encoder has
 * about 100 parameter arrays, most of them d or d x d); only the final {@code p -= step} (and the
 * decay {@code p *= 1 - lr wd}) and the gradient fill stay per parameter, because DJL cannot make a
 * parameter a view of a flat buffer or set a gradient array. Each element sees the same float
 * operations in the same order as a per-parameter loop, so the result is the same. The buckets are
 * rebuilt (moments carried over by name) when the set of parameters with gradients changes.
 *
 * <p>On the CPU every parameter is a bucket of its own ({@link #CPU_BUCKET_FLOATS} = 1), which is
 * the per-parameter loop: measured on an idle 2-core machine ({@code AdamWSpeed},
 * docs/benchmarks.md), one bucket per group made a MiniLM-size step 3 times slower (every
 * bucket-sized temporary is a fresh allocation of tens of megabytes whose pages are faulted in
 * again at each step), and capped buckets of 64 k to 1 M floats were no faster than the loop (0.96x
 * to 0.72x). The flat buckets are for GPUs, where each of the loop's small ops is a kernel launch;
 * there they are unbounded.
 *
 * <p>Just over 400 lines: the bucket bookkeeping (layout, flat buffers, views) and the resumable
 * state belong with the update they serve.
 */
public final class AdamW implements AutoCloseable {

  /** Options. Typical: beta1 0.9, beta2 0.999, eps 1e-8 (PyTorch defaults), weight decay 0. */
  public record Options(double beta1, double beta2, double epsilon, double weightDecay) {
    public Options {
      check("beta1", beta1, 0, 1);
      check("beta2", beta2, 0, 1);
      if (!(epsilon > 0)) {
        throw new IllegalArgumentException("epsilon = " + epsilon + " must be > 0");
      }
      if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
        throw new IllegalArgumentException("weightDecay = " + weightDecay + " must be >= 0");
      }
    }

    /** PyTorch defaults with the given weight decay. */
    public static Options withWeightDecay(double weightDecay) {
      return new Options(0.9, 0.999, 1e-8, weightDecay);
    }

    private static void check(String name, double v, double lo, double hi) {
      if (!(v >= lo && v < hi)) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "%s = %s must be in [%s, %s)", name, v, lo, hi));
      }
    }
  }

  /** Most floats in one CPU bucket: 1, one parameter per bucket, the fastest measured. */
  public static final long CPU_BUCKET_FLOATS = 1;

  /**
   * What puts parameters in one bucket: the same rate factor, decay rule and device; {@code part}
   * numbers the size-capped buckets of one such group.
   */
  private record BucketKey(double rateFactor, boolean decay, Device device, int part) {}

  /** Parameters updated together, with their flat moment buffers. */
  private static final class Bucket {
    final BucketKey key;
    final List<String> names;
    final long[] sizes;
    NDArray firstMoment;
    NDArray secondMoment;

    Bucket(BucketKey key, List<String> names, long[] sizes) {
      this.key = key;
      this.names = names;
      this.sizes = sizes;
    }
  }

  private final Options options;
  private final NDManager manager;
  private final long cpuBucketFloats;

  /** Moments by parameter name: views into a bucket's buffers, or arrays read by {@link #load}. */
  private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();

  private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
  private List<Bucket> buckets = List.of();
  private long steps;
  private boolean closed;

  /** An optimizer whose state lives in a child of {@code parent} (closed by {@link #close()}). */
  public AdamW(NDManager parent, Options options) {
    this(parent, options, CPU_BUCKET_FLOATS);
  }

  /**
   * As {@link #AdamW(NDManager, Options)} with CPU buckets of at most {@code cpuBucketFloats}
   * floats ({@link Long#MAX_VALUE}: one bucket per group; 1: one per parameter), for measuring.
   */
  public AdamW(NDManager parent, Options options, long cpuBucketFloats) {
    if (cpuBucketFloats < 1) {
      throw new IllegalArgumentException("cpuBucketFloats = " + cpuBucketFloats + " must be >= 1");
    }
    this.options = options;
    this.manager = parent.newSubManager();
    this.cpuBucketFloats = cpuBucketFloats;
  }

  /** True for parameters that get no weight decay: biases and LayerNorm weights. */
  public static boolean noDecay(String name) {
    return name.endsWith(".bias") || name.contains("LayerNorm") || name.contains("layer_norm");
  }

  /** Optimizer steps taken so far (the {@code t} of the bias correction). */
  public long steps() {
    return steps;
  }

  /**
   * Updates every array that has a gradient with learning rate {@code rate}, then zeroes the
   * gradients. Arrays without a gradient (frozen, or unused by the loss) are left alone.
   *
   * @param parameters parameter name to its array (with gradient), in a stable order
   */
  public void step(Map<String, NDArray> parameters, double rate) {
    step(parameters, rate, name -> 1);
  }

  /**
   * As {@link #step(Map, double)}, with parameter {@code name} updated at {@code rate *
   * rateFactor(name)} (its weight decay scaled alike, as a parameter group of its own would be).
   */
  public void step(
      Map<String, NDArray> parameters, double rate, ToDoubleFunction<String> rateFactor) {
    if (closed) {
      throw new IllegalStateException("the optimizer is closed");
    }
    steps++;
    double bias1 = 1 - Math.pow(options.beta1, (double) steps);
    double bias2 = 1 - Math.pow(options.beta2, (double) steps);
    Map<BucketKey, List<String>> layout = layout(parameters, rateFactor);
    if (!sameLayout(layout)) {
      rebuild(layout, parameters);
    }
    for (Bucket bucket : buckets) {
      update(bucket, parameters, rate * bucket.key.rateFactor(), bias1, bias2);
    }
  }

  /**
   * Buckets in parameter order: a group (rate factor, decay, device) starts a new part when the
   * next parameter would take the current part over the device's cap.
   */
  private Map<BucketKey, List<String>> layout(
      Map<String, NDArray> parameters, ToDoubleFunction<String> rateFactor) {
    Map<BucketKey, List<String>> layout = new LinkedHashMap<>();
    Map<BucketKey, BucketKey> openPart = new LinkedHashMap<>();
    Map<BucketKey, Long> openFloats = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      NDArray p = e.getValue();
      if (!p.hasGradient()) {
        continue;
      }
      boolean decay = options.weightDecay > 0 && !noDecay(e.getKey());
      Device device = p.getDevice();
      BucketKey group = new BucketKey(rateFactor.applyAsDouble(e.getKey()), decay, device, 0);
      long cap = Device.Type.CPU.equals(device.getDeviceType()) ? cpuBucketFloats : Long.MAX_VALUE;
      BucketKey part = openPart.getOrDefault(group, group);
      long floats = openFloats.getOrDefault(group, 0L);
      if (floats > 0 && floats + p.size() > cap) {
        part = new BucketKey(group.rateFactor(), decay, device, part.part() + 1);
        floats = 0;
      }
      openPart.put(group, part);
      openFloats.put(group, floats + p.size());
      layout.computeIfAbsent(part, k -> new ArrayList<>()).add(e.getKey());
    }
    return layout;
  }

  private void update(
      Bucket bucket, Map<String, NDArray> parameters, double lr, double bias1, double bias2) {
    NDArray m = bucket.firstMoment;
    NDArray v = bucket.secondMoment;
    try (NDManager scratch = manager.newSubManager(m.getDevice())) {
      NDList gradients = new NDList(bucket.names.size());
      for (String name : bucket.names) {
        NDArray g = parameters.get(name).getGradient();
        g.attach(scratch);
        gradients.add(g.reshape(-1));
      }
      NDArray g = gradients.size() == 1 ? gradients.head() : NDArrays.concat(gradients);
      g.attach(scratch);
      // Results of an op belong to its first operand's manager: lending the moments to the
      // scratch manager makes v / bias2, its sqrt and m / denominator temporaries of this step.
      scratch.tempAttachAll(m, v);
      // Temporaries are closed as soon as they are used: they are bucket-sized (the whole
      // encoder's weights in one), so keeping them all to the end would hold about six copies.
      NDArray scaled = g.mul((float) (1 - options.beta1));
      m.muli(options.beta1).addi(scaled);
      scaled.close();
      NDArray squares = g.square().muli((float) (1 - options.beta2));
      g.close();
      v.muli(options.beta2).addi(squares);
      squares.close();
      NDArray corrected = v.div((float) bias2);
      NDArray denominator = corrected.sqrt().addi((float) options.epsilon);
      corrected.close();
      NDArray update = m.div(denominator).muli((float) (lr / bias1));
      denominator.close();
      NDList pieces = bucket.names.size() == 1 ? new NDList(update) : update.split(offsets(bucket));
      for (int i = 0; i < bucket.names.size(); i++) {
        NDArray p = parameters.get(bucket.names.get(i));
        if (bucket.key.decay()) {
          p.muli(1 - lr * options.weightDecay);
        }
        p.subi(pieces.get(i).reshape(p.getShape()));
        // A fill, not g - g: subtracting keeps a NaN or infinity for the next step.
        JniUtils.zeroGrad((PtNDArray) p);
      }
    }
  }

  private static long[] offsets(Bucket bucket) {
    long[] at = new long[bucket.sizes.length - 1];
    long sum = 0;
    for (int i = 0; i < at.length; i++) {
      sum += bucket.sizes[i];
      at[i] = sum;
    }
    return at;
  }

  private boolean sameLayout(Map<BucketKey, List<String>> layout) {
    if (layout.size() != buckets.size()) {
      return false;
    }
    for (Bucket b : buckets) {
      if (!b.names.equals(layout.get(b.key))) {
        return false;
      }
    }
    return true;
  }

  /**
   * New flat buffers for {@code layout}, each parameter's moments carried over from the current
   * ones (views or loaded arrays) or started at zero; the per-name maps then hold views into them.
   */
  private void rebuild(Map<BucketKey, List<String>> layout, Map<String, NDArray> parameters) {
    List<Bucket> next = new ArrayList<>();
    for (Map.Entry<BucketKey, List<String>> e : layout.entrySet()) {
      List<String> names = List.copyOf(e.getValue());
      long[] sizes = new long[names.size()];
      for (int i = 0; i < sizes.length; i++) {
        sizes[i] = parameters.get(names.get(i)).size();
      }
      Bucket bucket = new Bucket(e.getKey(), names, sizes);
      bucket.firstMoment = flatten(firstMoments, names, parameters);
      bucket.secondMoment = flatten(secondMoments, names, parameters);
      next.add(bucket);
    }
    for (Bucket old : buckets) {
      old.firstMoment.close();
      old.secondMoment.close();
    }
    for (Bucket bucket : next) {
      views(firstMoments, bucket, bucket.firstMoment, parameters);
      views(secondMoments, bucket, bucket.secondMoment, parameters);
    }
    buckets = next;
  }

  private NDArray flatten(
      Map<String, NDArray> moments, List<String> names, Map<String, NDArray> parameters) {
    try (NDManager scratch = manager.newSubManager()) {
      NDList parts = new NDList(names.size());
      for (String name : names) {
        NDArray p = parameters.get(name);
        NDArray moment = moments.get(name);
        if (moment != null && !moment.getShape().equals(p.getShape())) {
          throw new IllegalStateException(
              "optimizer state for "
                  + name
                  + " has shape "
                  + moment.getShape()
                  + ", the parameter "
                  + p.getShape());
        }
        NDArray part =
            moment == null
                ? scratch.zeros(new Shape(p.size()), DataType.FLOAT32, p.getDevice())
                : moment.toDevice(p.getDevice(), false).reshape(-1);
        part.attach(scratch);
        parts.add(part);
      }
      NDArray flat = NDArrays.concat(parts);
      flat.attach(manager);
      return flat;
    }
  }

  /** Replaces the named moments of {@code bucket} by views into {@code flat}. */
  private void views(
      Map<String, NDArray> moments, Bucket bucket, NDArray flat, Map<String, NDArray> parameters) {
    NDList pieces = bucket.names.size() == 1 ? new NDList(flat) : flat.split(offsets(bucket));
    for (int i = 0; i < bucket.names.size(); i++) {
      String name = bucket.names.get(i);
      NDArray view = pieces.get(i).reshape(parameters.get(name).getShape());
      view.attach(manager);
      NDArray old = moments.put(name, view);
      if (old != null && old != flat) {
        old.close();
      }
    }
    pieces.forEach(
        piece -> {
          if (piece != flat) {
            piece.close();
          }
        });
  }

  /** Moments and step count as named tensors ({@code m.<name>}, {@code v.<name>}), for resume. */
  public void save(Path file) throws IOException {
    Map<String, WeightTensor> tensors = new LinkedHashMap<>();
    firstMoments.forEach((k, a) -> tensors.put("m." + k, tensor("m." + k, a)));
    secondMoments.forEach((k, a) -> tensors.put("v." + k, tensor("v." + k, a)));
    SafeTensors.write(
        file, tensors, Map.of("steps", Long.toString(steps), "format", "recformer-adamw-1"));
  }

  /** Replaces the state with one written by {@link #save}. */
  public void load(Path file) throws IOException {
    SafeTensors.Contents contents = SafeTensors.read(file);
    String stepText = contents.metadata().get("steps");
    if (stepText == null) {
      throw new IOException("optimizer state " + file + " has no 'steps' metadata");
    }
    clearState();
    steps = Long.parseLong(stepText);
    for (WeightTensor t : contents.tensors().values()) {
      NDArray a = manager.create(FloatBuffer.wrap(t.values()), new Shape(t.shape()));
      String name = t.name().substring(2);
      (t.name().startsWith("m.") ? firstMoments : secondMoments).put(name, a);
    }
  }

  private static WeightTensor tensor(String name, NDArray a) {
    return new WeightTensor(name, a.getShape().getShape(), a.toFloatArray());
  }

  private void clearState() {
    for (Bucket old : buckets) {
      old.firstMoment.close();
      old.secondMoment.close();
    }
    buckets = List.of();
    firstMoments.values().forEach(NDArray::close);
    secondMoments.values().forEach(NDArray::close);
    firstMoments.clear();
    secondMoments.clear();
  }

  /** Releases the moment arrays; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      manager.close();
    }
  }
}
