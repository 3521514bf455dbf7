package io.recformer.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One optimizer step, the same for pre-training and fine-tuning: the gradient norm of each
 * parameter group computed on the device (one read back to the host per step), each group clipped
 * to its own maximum, the step skipped when any norm is not finite, then {@link AdamW}, and the
 * gradients zeroed by filling them with zeros (subtracting a gradient from itself keeps a NaN).
 *
 * <p>Groups exist because the item matrix of fine-tuning, when trained, has gradients of another
 * scale than the encoder's: one shared clip would let either one shrink the other's update. A
 * skipped step leaves the parameters and the optimizer's moments untouched; the caller still
 * advances its schedule, so a run with a skipped step ends at the same step count.
 */
public final class OptimizerStep {

  private static final Logger LOG = LoggerFactory.getLogger(OptimizerStep.class);

  /**
   * A parameter group.
   *
   * @param name the group's name in logs and CSV columns (e.g. "encoder", "item_matrix")
   * @param members which parameter names belong to it; a parameter goes to the first group that
   *     claims it
   * @param clipNorm maximum L2 norm of the group's gradient, 0 for no clipping (PyTorch's {@code
   *     clip_grad_norm_}: factor {@code clipNorm / (norm + 1e-6)} when that is below 1)
   */
  public record Group(String name, Predicate<String> members, double clipNorm) {
    public Group {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(members, "members");
      if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
        throw new IllegalArgumentException(
            "clipNorm of group '" + name + "' = " + clipNorm + " must be >= 0 (0 = none)");
      }
    }

    /** One group holding every parameter. */
    public static Group all(double clipNorm) {
      return new Group("all", name -> true, clipNorm);
    }
  }

  /**
   * What one step did.
   *
   * @param norms each group's gradient norm before clipping, in group order (NaN for a group with
   *     no gradient)
   * @param skipped true when a norm was not finite and nothing was updated
   */
  public record Outcome(List<Double> norms, boolean skipped) {
    public Outcome {
      norms = List.copyOf(norms);
    }

    /** The norm of group {@code index}. */
    public double norm(int index) {
      return norms.get(index);
    }
  }

  private final AdamW optimizer;
  private final List<Group> groups;
  private long skippedSteps;

  public OptimizerStep(AdamW optimizer, List<Group> groups) {
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    if (groups.isEmpty()) {
      throw new IllegalArgumentException("at least one parameter group is needed");
    }
    this.groups = List.copyOf(groups);
  }

  /** Steps taken by {@link #apply} that were skipped because of a non-finite gradient. */
  public long skippedSteps() {
    return skippedSteps;
  }

  /** Sets the skipped-step count (restored from a checkpoint on resume). */
  public void restoreSkippedSteps(long count) {
    if (count < 0) {
      throw new IllegalArgumentException("skipped step count " + count + " must be >= 0");
    }
    skippedSteps = count;
  }

  /**
   * Clips, checks and applies the accumulated gradients, then zeroes them.
   *
   * @param parameters parameter name to its array, in a stable order
   * @param rate the learning rate of this step
   * @param rateFactor per-parameter factor on the rate (1 for most)
   * @param step the step's number, for the log line of a skipped step
   */
  public Outcome apply(
      Map<String, NDArray> parameters,
      double rate,
      ToDoubleFunction<String> rateFactor,
      long step) {
    return apply(parameters, rate, rateFactor, step, 1);
  }

  /**
   * As {@link #apply(Map, double, ToDoubleFunction, long)} for gradients of a loss multiplied by
   * {@code gradientScale} (a {@link DynamicLossScaler}'s scale): the norms are reported and clipped
   * unscaled, and the gradients are divided by the scale (in the same multiplication as the clip)
   * before the optimizer sees them. A non-finite norm (an overflow under float16) skips and counts
   * the step as always; the caller then tells the scaler.
   */
  public Outcome apply(
      Map<String, NDArray> parameters,
      double rate,
      ToDoubleFunction<String> rateFactor,
      long step,
      double gradientScale) {
    if (!(gradientScale > 0) || Double.isInfinite(gradientScale)) {
      throw new IllegalArgumentException("gradient scale " + gradientScale + " must be > 0");
    }
    List<List<NDArray>> gradients = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      gradients.add(new ArrayList<>());
    }
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      if (!e.getValue().hasGradient()) {
        continue;
      }
      for (int i = 0; i < groups.size(); i++) {
        if (groups.get(i).members().test(e.getKey())) {
          gradients.get(i).add(e.getValue().getGradient());
          break;
        }
      }
    }
    List<Double> norms = new ArrayList<>();
    for (double scaled : norms(gradients)) {
      norms.add(scaled / gradientScale);
    }
    boolean finite = true;
    for (int i = 0; i < norms.size(); i++) {
      // A group without gradients reports NaN by definition; only a computed NaN is non-finite.
      finite &= gradients.get(i).isEmpty() || Double.isFinite(norms.get(i));
    }
    if (finite) {
      for (int i = 0; i < groups.size(); i++) {
        clip(gradients.get(i), norms.get(i), groups.get(i).clipNorm(), gradientScale);
      }
    }
    gradients.forEach(list -> list.forEach(NDArray::close));
    if (finite) {
      optimizer.step(parameters, rate, rateFactor); // zeroes the gradients it applied
    } else {
      skippedSteps++;
      LOG.warn(
          "step {}: gradient norm not finite ({}); the step is skipped ({} skipped so far)",
          step,
          describe(norms),
          skippedSteps);
      zeroGradients(parameters.values());
    }
    return new Outcome(norms, !finite);
  }

  /**
   * Sets every gradient to zero by filling it, so that a NaN or infinity from a bad step does not
   * survive into the next one.
   */
  public static void zeroGradients(Iterable<NDArray> parameters) {
    for (NDArray p : parameters) {
      if (p.hasGradient()) {
        JniUtils.zeroGrad((PtNDArray) p);
      }
    }
  }

  /** Each group's L2 norm, summed on the device and read back once for all groups. */
  private List<Double> norms(List<List<NDArray>> gradients) {
    List<Double> norms = new ArrayList<>();
    NDManager scope = null;
    try {
      NDList sums = new NDList();
      List<Integer> present = new ArrayList<>();
      for (int i = 0; i < gradients.size(); i++) {
        List<NDArray> group = gradients.get(i);
        if (group.isEmpty()) {
          continue;
        }
        if (scope == null) {
          scope = group.get(0).getManager().newSubManager();
        }
        NDArray sum = null;
        for (NDArray g : group) {
          // An op's result belongs to its operand's manager: move the square into the scope so
          // that it and everything computed from it are freed with the scope.
          NDArray squares = g.square();
          squares.attach(scope);
          NDArray total = squares.sum();
          sum = sum == null ? total : sum.add(total);
        }
        sums.add(sum);
        present.add(i);
      }
      float[] values = sums.isEmpty() ? new float[0] : NDArrays.stack(sums).toFloatArray();
      for (int i = 0; i < gradients.size(); i++) {
        int at = present.indexOf(i);
        norms.add(at < 0 ? Double.NaN : Math.sqrt(values[at]));
      }
      return norms;
    } finally {
      if (scope != null) {
        scope.close();
      }
    }
  }

  /** Clips to {@code maxNorm} (0 = no clip) and divides by {@code scale}, in one multiplication. */
  private static void clip(List<NDArray> gradients, double norm, double maxNorm, double scale) {
    double factor = maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
    factor /= scale;
    if (factor != 1) {
      for (NDArray g : gradients) {
        g.muli(factor);
      }
    }
  }

  private String describe(List<Double> norms) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < groups.size(); i++) {
      b.append(i == 0 ? "" : ", ")
          .append(groups.get(i).name())
          .append(' ')
          .append(String.format(Locale.ROOT, "%.4g", norms.get(i)));
    }
    return b.toString();
  }
}
