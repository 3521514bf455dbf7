package io.recformer.bench.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import java.util.Map;
import java.util.Random;

/**
 * The GRU4Rec network as plain NDArray math, in RecBole's formulation: item embedding, dropout, one
 * GRU layer unrolled over the positions (PyTorch's gate layout: reset, update, new), and a dense
 * layer from the GRU state back to the embedding width; score of item i = that vector's dot product
 * with item i's embedding. Row 0 of the item table is padding; catalog item {@code i} is row {@code
 * i + 1}. The GRU runs left to right, so the output at position t sees items 0..t only and
 * right-padding never reaches a real position.
 *
 * <p>Initialization follows RecBole: Xavier-normal embeddings, Xavier-uniform GRU weights, and
 * PyTorch's default uniform(-1/sqrt(fan in), 1/sqrt(fan in)) for the biases and the dense layer.
 */
final class Gru4RecNetwork extends ItemNetwork {

  private final Gru4RecConfig config;

  private Gru4RecNetwork(Gru4RecConfig config, int itemCount, NDManager parent) {
    super("GRU4Rec", itemCount, parent);
    this.config = config;
  }

  /** A network initialized from {@code config.seed()}, or with {@code values} where given. */
  static Gru4RecNetwork create(
      NDManager parent,
      Gru4RecConfig config,
      int itemCount,
      Map<String, float[]> values,
      boolean trainable) {
    return initialize(
        new Gru4RecNetwork(config, itemCount, parent),
        net -> {
          Random random = new Random(config.seed());
          int e = config.embeddingSize();
          int h = config.hiddenSize();
          double stateBound = 1 / Math.sqrt(h);
          int rows = itemCount + 1;
          int gates = 3 * h;
          net.register(
              "item_embedding", values, trainable, normal(random, rows, e, rows + e), rows, e);
          net.register(
              "gru.w_ih",
              values,
              trainable,
              uniform(random, gates * e, xavier(gates, e)),
              gates,
              e);
          net.register(
              "gru.w_hh",
              values,
              trainable,
              uniform(random, gates * h, xavier(gates, h)),
              gates,
              h);
          net.register("gru.b_ih", values, trainable, uniform(random, gates, stateBound), gates);
          net.register("gru.b_hh", values, trainable, uniform(random, gates, stateBound), gates);
          net.register("dense.weight", values, trainable, uniform(random, e * h, stateBound), e, h);
          net.register("dense.bias", values, trainable, uniform(random, e, stateBound), e);
        });
  }

  private static double xavier(int fanOut, int fanIn) {
    return Math.sqrt(6.0 / (fanIn + fanOut));
  }

  private static float[] uniform(Random random, int n, double bound) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    return v;
  }

  private static float[] normal(Random random, int rows, int cols, int fanSum) {
    double std = Math.sqrt(2.0 / fanSum);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextGaussian() * std);
    }
    return v;
  }

  /**
   * Outputs {@code [batch, length, embedding]} of right-padded id rows ({@code catalog index + 1},
   * 0 = padding); lengths are not needed since the GRU never reads ahead.
   */
  @Override
  NDArray forward(NDManager batch, NDArray ids, int[] lengths, boolean training) {
    long b = ids.getShape().get(0);
    int len = Math.toIntExact(ids.getShape().get(1));
    NDArray x =
        Embedding.embedding(ids, p("item_embedding"), SparseFormat.DENSE).singletonOrThrow();
    if (training && config.dropout() > 0) {
      x = Dropout.dropout(x, config.dropout(), true).singletonOrThrow();
    }
    // The input half of every gate for all positions at once; only the recurrent half is serial.
    NDArray inputGates = Linear.linear(x, p("gru.w_ih"), p("gru.b_ih")).singletonOrThrow();
    NDArray state = batch.zeros(new Shape(b, config.hiddenSize()), DataType.FLOAT32);
    NDList outputs = new NDList(len);
    for (int t = 0; t < len; t++) {
      NDList in = inputGates.get(new NDIndex(":, {}", t)).split(3, 1);
      NDList rec =
          Linear.linear(state, p("gru.w_hh"), p("gru.b_hh")).singletonOrThrow().split(3, 1);
      NDArray reset = Activation.sigmoid(in.get(0).add(rec.get(0)));
      NDArray update = Activation.sigmoid(in.get(1).add(rec.get(1)));
      NDArray candidate = Activation.tanh(in.get(2).add(reset.mul(rec.get(2))));
      // h' = (1 - z) * n + z * h, written as n + z * (h - n).
      state = candidate.add(update.mul(state.sub(candidate)));
      outputs.add(state);
    }
    NDArray sequence = NDArrays.stack(outputs, 1);
    return Linear.linear(sequence, p("dense.weight"), p("dense.bias")).singletonOrThrow();
  }
}
