package io.recformer.train.optim;

import ai.djl.ndarray.NDArray;
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
import java.util.LinkedHashMap;
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

  private final Options options;
  private final NDManager manager;
  private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
  private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
  private long steps;
  private boolean closed;

  /** An optimizer whose state lives in a child of {@code parent} (closed by {@link #close()}). */
  public AdamW(NDManager parent, Options options) {
    this.options = options;
    this.manager = parent.newSubManager();
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
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      NDArray p = e.getValue();
      if (!p.hasGradient()) {
        continue;
      }
      double lr = rate * rateFactor.applyAsDouble(e.getKey());
      try (NDManager scratch = manager.newSubManager(p.getDevice())) {
        NDArray g = p.getGradient();
        g.attach(scratch);
        NDArray m = firstMoments.computeIfAbsent(e.getKey(), k -> zeros(p));
        NDArray v = secondMoments.computeIfAbsent(e.getKey(), k -> zeros(p));
        // Results of an op belong to its first operand's manager: lending the moments to the
        // scratch manager makes v / bias2, its sqrt and m / denominator temporaries of this step.
        // Without this, three parameter-sized arrays per parameter stayed in the optimizer's
        // manager every step (about 270 MB per step at MiniLM size) until the optimizer closed.
        scratch.tempAttachAll(m, v);
        if (options.weightDecay > 0 && !noDecay(e.getKey())) {
          p.muli(1 - lr * options.weightDecay);
        }
        m.muli(options.beta1).addi(g.mul((float) (1 - options.beta1)));
        v.muli(options.beta2).addi(g.square().muli((float) (1 - options.beta2)));
        NDArray denominator = v.div((float) bias2).sqrt().addi((float) options.epsilon);
        p.subi(m.div(denominator).muli((float) (lr / bias1)));
      }
      // A fill, not g - g: subtracting keeps a NaN or infinity for the next step.
      JniUtils.zeroGrad((PtNDArray) p);
    }
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

  private NDArray zeros(NDArray like) {
    return manager.zeros(like.getShape(), DataType.FLOAT32, like.getDevice());
  }

  private void clearState() {
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
