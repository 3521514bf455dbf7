package io.recformer.bench.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The parameters of an ID baseline's network (SASRec's, GRU4Rec's) in a child manager it owns, with
 * the item embedding table every one of them has: row 0 is padding and catalog item {@code i} is
 * row {@code i + 1}. Subclasses register their parameters in a fixed order and compute hidden
 * states from right-padded id rows.
 */
abstract class ItemNetwork implements AutoCloseable {

  private final String model;
  private final int itemCount;
  private final NDManager manager;
  private final Map<String, NDArray> parameters = new LinkedHashMap<>();

  ItemNetwork(String model, int itemCount, NDManager parent) {
    this.model = model;
    this.itemCount = itemCount;
    this.manager = parent.newSubManager();
  }

  /** {@code net} after {@code register} has added its parameters; closed if that fails. */
  static <N extends ItemNetwork> N initialize(N net, Consumer<N> register) {
    try {
      register.accept(net);
      return net;
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
  }

  /**
   * Adds parameter {@code name}: {@code values}' entry where it has one (a copy of trained
   * weights), else {@code init}.
   */
  final void register(
      String name, Map<String, float[]> values, boolean trainable, float[] init, long... shape) {
    float[] v = init;
    if (values != null && values.containsKey(name)) {
      v = values.get(name);
      if (v.length != init.length) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "parameter %s has %d values, expected %d for shape %s",
                name,
                v.length,
                init.length,
                new Shape(shape)));
      }
    }
    NDArray array = manager.create(v, new Shape(shape));
    if (trainable) {
      array.setRequiresGradient(true);
    }
    parameters.put(name, array);
  }

  /** Trainable arrays by name, in registration order. */
  final Map<String, NDArray> parameters() {
    return parameters;
  }

  /** Catalog size. */
  final int itemCount() {
    return itemCount;
  }

  final NDArray p(String name) {
    NDArray a = parameters.get(name);
    if (a == null) {
      throw new IllegalStateException(model + " has no parameter " + name);
    }
    return a;
  }

  /**
   * Outputs {@code [batch, length, width]} of right-padded id rows.
   *
   * @param ids padded item rows ({@code catalog index + 1}, 0 = padding), {@code [batch, length]}
   *     int64
   * @param lengths real length of each row (>= 1)
   */
  abstract NDArray forward(NDManager batch, NDArray ids, int[] lengths, boolean training);

  /** Item embeddings of the catalog (padding row left out), {@code [items, width]}, in batch. */
  final NDArray itemTable(NDManager batch) {
    NDArray rows = batch.arange(1, itemCount + 1, 1, DataType.INT64);
    return Embedding.embedding(rows, p("item_embedding"), SparseFormat.DENSE).singletonOrThrow();
  }

  @Override
  public final void close() {
    manager.close();
  }
}
