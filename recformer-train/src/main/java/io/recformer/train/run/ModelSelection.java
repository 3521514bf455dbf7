package io.recformer.train.run;

/**
 * Model selection by validation, shared by pre-training and fine-tuning: the best value so far and
 * the evaluations since it last improved, which patience counts. Strictly greater values improve,
 * so the first of equal values is kept.
 */
public final class ModelSelection {

  private double best;
  private int badEvaluations;

  /** Nothing validated yet. */
  public ModelSelection() {
    this(Double.NEGATIVE_INFINITY, 0);
  }

  /** The selection a saved run stood at. */
  public ModelSelection(double best, int badEvaluations) {
    this.best = best;
    this.badEvaluations = badEvaluations;
  }

  /** Records a validation value; true if it is the best so far (then keep the model). */
  public boolean offer(double value) {
    if (value > best) {
      best = value;
      badEvaluations = 0;
      return true;
    }
    badEvaluations++;
    return false;
  }

  /** The best value so far, or negative infinity. */
  public double best() {
    return best;
  }

  /** Evaluations in a row that did not improve on {@link #best}. */
  public int badEvaluations() {
    return badEvaluations;
  }

  /** True once {@code patience} evaluations in a row did not improve; patience 0 never ends. */
  public boolean exhausted(int patience) {
    return patience > 0 && badEvaluations >= patience;
  }

  /** Starts counting patience anew (a new stage), keeping the best value. */
  public void resetPatience() {
    badEvaluations = 0;
  }
}
