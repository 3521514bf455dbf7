package io.recformer.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;

/**
 * Cross-entropy of {@code q . I_j / tau} over every item {@code j} of a constant, L2-normalized
 * item matrix {@code I} ({@code [items, d]}) for L2-normalized queries {@code q} ({@code [batch,
 * d]}): the fine-tuning loss of Algorithm 1 (reference section 5), averaged over the batch.
 *
 * <p>The original materializes all {@code batch x items} logits and their softmax at once and ran
 * out of memory at about 1.5 M items (section 10). Here the logits are computed one chunk of items
 * at a time, twice: a first pass keeps a running maximum and sum of exponentials per row
 * (log-sum-exp), a second pass adds each chunk's {@code softmax @ I_chunk} to the gradient. Peak
 * extra memory is one {@code batch x chunk} block, and the result equals the unchunked loss and
 * gradient up to float rounding. The gradient with respect to {@code q} is returned instead of
 * building an autograd graph over the matrix; the caller back-propagates it through the encoder
 * with the surrogate {@code sum(q * gradient)} (see {@link #surrogate}).
 *
 * <p>An optional margin raises chosen items' logits by {@code margin / tau} in the softmax only
 * (not in evaluation): the user's own history items, which a history encoding naturally sits close
 * to, become harder negatives, so the encoder learns to place the next item above them. With margin
 * 0 this is exactly Algorithm 1's loss. A negative margin lowers them instead: the training side of
 * a {@link io.recformer.core.metrics.HistoryPenalty}, so the encoder trains under the scoring it is
 * evaluated with.
 */
public final class ItemSoftmaxLoss {

  private ItemSoftmaxLoss() {}

  /**
   * The mean loss and its gradient with respect to the queries.
   *
   * @param meanLoss the mean loss, a float64 scalar left on the device so that a training loop can
   *     sum it over an optimizer step and read it back once
   */
  public record Result(NDArray meanLoss, NDArray queryGradient) {

    /** The mean loss read back to the host (waits for the device). */
    public double loss() {
      return meanLoss.getDouble();
    }
  }

  /**
   * Computes the loss and {@code d loss / d q} without recording a graph.
   *
   * @param queries {@code [batch, d]} L2-normalized queries (their values are used; no graph)
   * @param matrix {@code [items, d]} L2-normalized item matrix, constant
   * @param targets each row's target item index
   * @param temperature tau (0.05 in the paper)
   * @param chunk items per chunk; bounds the {@code batch x chunk} logits block
   * @param out manager that will own the returned gradient
   */
  public static Result compute(
      NDArray queries,
      NDArray matrix,
      int[] targets,
      double temperature,
      int chunk,
      NDManager out) {
    return compute(queries, matrix, targets, new int[targets.length][], 0, temperature, chunk, out);
  }

  /**
   * Like {@link #compute(NDArray, NDArray, int[], double, int, NDManager)}, with the logits of
   * {@code raised[row]}'s items raised by {@code margin / tau} inside the softmax of that row.
   *
   * @param raised per query row, item indices whose logit is raised (null or empty for none); the
   *     row's target must not be among them
   * @param margin in cosine units; negative lowers the items' logits
   */
  public static Result compute(
      NDArray queries,
      NDArray matrix,
      int[] targets,
      int[][] raised,
      double margin,
      double temperature,
      int chunk,
      NDManager out) {
    long batch = queries.getShape().get(0);
    long items = matrix.getShape().get(0);
    if (targets.length != batch) {
      throw new IllegalArgumentException(
          "targets has " + targets.length + " entries, expected one per query row (" + batch + ")");
    }
    if (chunk < 1) {
      throw new IllegalArgumentException("chunk = " + chunk + " must be >= 1");
    }
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature = " + temperature + " must be > 0");
    }
    for (int t : targets) {
      if (t < 0 || t >= items) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT, "target %d is out of range [0, %d) of the item matrix", t, items));
      }
    }
    if (!Double.isFinite(margin)) {
      throw new IllegalArgumentException("margin = " + margin + " must be finite");
    }
    if (raised.length != batch) {
      throw new IllegalArgumentException(
          "raised has " + raised.length + " rows, expected one per query row (" + batch + ")");
    }
    for (int row = 0; row < raised.length; row++) {
      for (int j : raised[row] == null ? new int[0] : raised[row]) {
        if (j < 0 || j >= items || j == targets[row]) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "raised item %d of row %d is out of range [0, %d) or is the row's target",
                  j,
                  row,
                  items));
        }
      }
    }
    float inverseTau = (float) (1 / temperature);
    Margins margins = new Margins(raised, (float) (margin / temperature));
    try (NDManager scratch = out.newSubManager()) {
      // Results of an op belong to the manager of its first operand: temporaries of each chunk
      // are created from arrays temporarily attached to that chunk's manager, so they are freed
      // chunk by chunk and the block of logits never grows beyond one chunk.
      NDArray q = queries.stopGradient();
      q.attach(scratch);
      long[] wide = new long[targets.length];
      for (int i = 0; i < wide.length; i++) {
        wide[i] = targets[i];
      }
      NDArray targetRows = matrix.get(new NDIndex("{}", scratch.create(wide)));
      targetRows.attach(scratch);
      NDArray targetLogits = q.mul(targetRows).sum(new int[] {1}).muli(inverseTau);
      NDArray runningMax = scratch.full(new Shape(batch), Float.NEGATIVE_INFINITY);
      NDArray runningSum = scratch.zeros(new Shape(batch));
      for (long from = 0; from < items; from += chunk) {
        try (NDManager step = scratch.newSubManager()) {
          step.tempAttachAll(q, runningMax, runningSum);
          NDArray logits =
              margins.apply(
                  logits(q, matrix, from, Math.min(items, from + chunk), inverseTau, step),
                  from,
                  step);
          NDArray newMax = runningMax.maximum(logits.max(new int[] {1}));
          NDArray sum =
              runningSum
                  .mul(runningMax.sub(newMax).exp())
                  .addi(logits.sub(newMax.expandDims(1)).exp().sum(new int[] {1}));
          newMax.attach(scratch);
          sum.attach(scratch);
          runningMax = newMax;
          runningSum = sum;
        }
      }
      NDArray logSumExp = runningMax.add(runningSum.log());
      NDArray loss = logSumExp.sub(targetLogits).mean().toType(DataType.FLOAT64, false);
      loss.attach(out);
      NDArray gradient = targetRows.mul(-inverseTau);
      for (long from = 0; from < items; from += chunk) {
        try (NDManager step = scratch.newSubManager()) {
          step.tempAttachAll(q, logSumExp, gradient);
          long to = Math.min(items, from + chunk);
          NDArray logits = margins.apply(logits(q, matrix, from, to, inverseTau, step), from, step);
          NDArray probabilities = logits.subi(logSumExp.expandDims(1)).exp();
          NDArray slice = matrix.get(from + ":" + to);
          slice.attach(step);
          gradient.addi(probabilities.matMul(slice).muli(inverseTau));
        }
      }
      gradient.divi(batch);
      gradient.attach(out);
      return new Result(loss, gradient);
    }
  }

  /**
   * The scalar whose gradient with respect to the encoder equals the loss's: {@code sum(q *
   * gradient)} with {@code gradient} constant. Call {@code backward} on it inside the collector.
   */
  public static NDArray surrogate(NDArray queriesWithGraph, NDArray queryGradient) {
    return queriesWithGraph.mul(queryGradient).sum();
  }

  private static NDArray logits(
      NDArray q, NDArray matrix, long from, long to, float inverseTau, NDManager step) {
    NDArray slice = matrix.get(from + ":" + to);
    slice.attach(step);
    return q.matMul(slice.transpose()).muli(inverseTau);
  }

  /**
   * The {@code [rows, width]} block of logit offsets for the items {@code from .. from + width}:
   * {@code offset} where {@code raised[row]} holds the item, 0 elsewhere; null when the block is
   * all zeros. Shared by the chunked loss and the dense (trainable-matrix) one.
   */
  public static NDArray offsets(
      int[][] raised, float offset, long from, int width, NDManager manager) {
    float[] block = new float[raised.length * width];
    boolean any = false;
    for (int row = 0; row < raised.length; row++) {
      for (int j : raised[row] == null ? new int[0] : raised[row]) {
        if (j >= from && j < from + width) {
          block[row * width + (int) (j - from)] = offset;
          any = true;
        }
      }
    }
    return any && offset != 0 ? manager.create(block, new Shape(raised.length, width)) : null;
  }

  /** Raises one chunk's logits in place by the raised items' offsets. */
  // Arrays for speed: per-chunk scratch data, never compared.
  @SuppressWarnings("ArrayRecordComponent")
  private record Margins(int[][] raised, float offset) {

    NDArray apply(NDArray logits, long from, NDManager step) {
      if (offset == 0) {
        return logits;
      }
      NDArray block = offsets(raised, offset, from, (int) logits.getShape().get(1), step);
      return block == null ? logits : logits.addi(block.toDevice(logits.getDevice(), false));
    }
  }
}
