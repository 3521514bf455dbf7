package io.recformer.bench.efficiency;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.loss.ItemSoftmaxLoss;
import io.recformer.train.model.EncoderOutput;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.OptimizerStep;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One fine-tuning step as {@code FineTuner} takes it per batch (reference section 5, stage 1):
 * forward in training mode, L2-normalized CLS, full-softmax cross-entropy over a constant item
 * matrix at the config's temperature (chunked, {@link ItemSoftmaxLoss}), backward, global-norm
 * clipping at 1.0 and an AdamW update of every trainable parameter. The item matrix here is random
 * unit rows of the catalog's size: the cost does not depend on its values.
 */
public final class TrainingStep implements AutoCloseable {

  private static final int ITEM_CHUNK = 65_536;

  private final NDManager root;
  private final RecformerModel model;
  private final AdamW adam;
  private final OptimizerStep stepper;
  private final NDArray matrix;
  private final Map<String, NDArray> parameters = new LinkedHashMap<>();

  /**
   * @param root manager (and device) of the model; the matrix and optimizer state live under it
   * @param items rows of the item matrix (the catalog size, 4,385 on Scientific)
   */
  public TrainingStep(NDManager root, RecformerModel model, int items) {
    this.root = Objects.requireNonNull(root, "root");
    this.model = Objects.requireNonNull(model, "model");
    if (items < 1) {
      throw new IllegalArgumentException("items = " + items + " is out of range: must be >= 1");
    }
    adam = new AdamW(root, AdamW.Options.withWeightDecay(0));
    stepper = new OptimizerStep(adam, List.of(OptimizerStep.Group.all(1.0)));
    matrix = root.randomNormal(new Shape(items, model.config().hiddenSize()));
    try (NDArray norms = matrix.norm(new int[] {1}, true)) {
      matrix.divi(norms);
    }
    for (String name : model.parameterShapes().keySet()) {
      if (model.parameter(name).requiresGradient()) {
        parameters.put(name, model.parameter(name).getArray());
      }
    }
  }

  /** Runs one step on the batch and returns the loss; returns after the device has finished. */
  public double run(EncodedBatch input, int[] targets) {
    double loss;
    try (NDManager scope = root.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      EncoderOutput out = model.encode(scope, input, true);
      NDArray q = out.pooled().normalize(2, 1, 1e-8);
      ItemSoftmaxLoss.Result r =
          ItemSoftmaxLoss.compute(
              q, matrix, targets, model.config().temperature(), ITEM_CHUNK, scope);
      loss = r.loss();
      collector.backward(ItemSoftmaxLoss.surrogate(q, r.queryGradient()));
    }
    stepper.apply(parameters, 5e-5, name -> 1, 0);
    parameters.values().iterator().next().getFloat(0, 0); // waits for an asynchronous device
    return loss;
  }

  @Override
  public void close() {
    matrix.close();
    adam.close();
  }
}
