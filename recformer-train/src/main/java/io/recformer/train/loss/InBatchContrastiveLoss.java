package io.recformer.train.loss;

import ai.djl.ndarray.NDArray;
import io.recformer.train.model.OwnedArrays;

/**
 * The item-item contrastive loss of pre-training (reference section 4): row {@code b} of {@code
 * cos(h_history_b, h_positive_c) / tau} is a softmax over the batch's positives, and the label is
 * the diagonal. The other rows' positives are the negatives.
 */
public final class InBatchContrastiveLoss {

  private InBatchContrastiveLoss() {}

  /** {@code [batch, batch]} logits {@code cos / tau}, with the autograd graph of the inputs. */
  public static NDArray logits(NDArray histories, NDArray positives, double temperature) {
    if (!histories.getShape().equals(positives.getShape())) {
      throw new IllegalArgumentException(
          "histories "
              + histories.getShape()
              + " and positives "
              + positives.getShape()
              + " must have the same [batch, d] shape");
    }
    NDArray h = histories.normalize(2, 1, 1e-8);
    NDArray p = positives.normalize(2, 1, 1e-8);
    return OwnedArrays.scale(h.matMul(p.transpose()), 1 / temperature);
  }

  /** Mean cross-entropy of the logits with the diagonal as labels. */
  public static NDArray loss(NDArray logits) {
    long b = logits.getShape().get(0);
    NDArray eye = logits.getManager().eye((int) b);
    return OwnedArrays.scale(logits.logSoftmax(1).mul(eye).sum(), -1.0 / b);
  }

  /** Fraction of rows whose highest logit is the diagonal (in-batch next-item accuracy). */
  public static double accuracy(NDArray logits) {
    long[] argmax = logits.argMax(1).toLongArray();
    int hits = 0;
    for (int i = 0; i < argmax.length; i++) {
      if (argmax[i] == i) {
        hits++;
      }
    }
    return (double) hits / argmax.length;
  }
}
