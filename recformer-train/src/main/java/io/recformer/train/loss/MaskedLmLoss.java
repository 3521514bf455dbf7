package io.recformer.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.recformer.train.model.RecformerModel;

/**
 * The masked-language-model loss (reference section 4): the MLM head is applied only at the masked
 * positions, and the loss is the mean cross-entropy of the original tokens there.
 */
public final class MaskedLmLoss {

  private MaskedLmLoss() {}

  /**
   * The masked-language-model loss over the masked positions of a batch.
   *
   * @param hidden {@code [batch, length, d]} last hidden states (with graph)
   * @param positions flat indices {@code row * length + column} of the masked tokens
   * @param labels the original token id at each masked position
   * @return the scalar mean loss, or {@code null} when nothing is masked
   */
  public static NDArray loss(
      RecformerModel model, NDArray hidden, long[] positions, long[] labels, boolean training) {
    if (positions.length != labels.length) {
      throw new IllegalArgumentException(
          "positions ("
              + positions.length
              + ") and labels ("
              + labels.length
              + ") must have the same length");
    }
    if (positions.length == 0) {
      return null;
    }
    NDManager manager = hidden.getManager();
    long d = hidden.getShape().get(2);
    // Index arrays are cloned so they own their memory: autograd keeps them for backward, and
    // DJL's zero-copy wrapping of Java data is only as long-lived as the wrapping NDArray.
    NDArray index = manager.create(positions).duplicate();
    NDArray target = manager.create(labels).reshape(-1, 1).duplicate();
    NDArray states = hidden.reshape(-1, d).get(new NDIndex("{}", index));
    NDArray logits = model.mlmLogits(model.parameterStore(), states, training);
    NDArray picked = logits.logSoftmax(1).gather(target, 1);
    return picked.mean().neg();
  }
}
