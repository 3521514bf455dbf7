package io.recformer.train.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.OwnedArrays;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.OptimizerStep;
import io.recformer.train.testing.TinySetup;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * {@link DataParallel} against one device: the gradients reduced onto the primary (the model's and
 * a mirrored array's) equal the gradients of the whole batch on one model, the reported loss is the
 * batch mean whether it is read on the host or kept on the device, each replica runs on its own
 * thread, and broadcast makes the replicas equal to the primary.
 */
class DataParallelTest {

  private static final int ROWS = 7;
  private static final int ITEMS = 5;
  private static final int LENGTH = 20;

  private final RecformerConfig config =
      TinySetup.tinyConfig().toBuilder().hiddenDropout(0).attentionDropout(0).build();

  @Test
  void replicasOnTheirOwnThreadsGiveTheGradientOfOneDevice() {
    float[] matrixValues = random(ITEMS * config.hiddenSize(), 5);
    List<Integer> batch = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      batch.add(i);
    }
    try (NDManager root = NDManager.newBaseManager(Device.cpu());
        RecformerModel single = RecformerModel.newInstance(root, config, 3);
        RecformerModel primary = RecformerModel.newInstance(root, config, 4)) {
      primary.loadWeights(single.exportWeightMap());
      NDArray m1 = root.create(matrixValues, new Shape(ITEMS, config.hiddenSize()));
      m1.setRequiresGradient(true);
      NDArray m3 = root.create(matrixValues, new Shape(ITEMS, config.hiddenSize()));
      m3.setRequiresGradient(true);
      Set<String> threads = ConcurrentHashMap.newKeySet();
      double want;
      double got;
      double gotOnDevice;
      try (DataParallel one = DataParallel.of(single, List.of(Device.cpu()), 1)) {
        // A fresh scope per micro-batch, as the training loops do (the loss temp-attaches arrays).
        try (NDManager scope = root.newSubManager()) {
          want =
              one.forwardBackward(batch, (r, i, s, shard) -> loss(r, s, shard, m1, null), 1, scope);
        }
        try (NDManager scope = root.newSubManager()) {
          one.forwardBackward(batch, (r, i, s, shard) -> loss(r, s, shard, m1, null), 0.5, scope);
        }
      }
      List<Device> cpus = Collections.nCopies(3, Device.cpu());
      try (DataParallel three = DataParallel.of(primary, cpus, 9);
          DataParallel.Mirror mirror = three.mirror(m3)) {
        assertThat(three.replica(2).exportWeightMap()).isEqualTo(primary.exportWeightMap());
        try (NDManager scope = root.newSubManager()) {
          got =
              three.forwardBackward(
                  batch,
                  (r, i, s, shard) -> {
                    threads.add(Thread.currentThread().getName());
                    return loss(r, s, shard, mirror.get(i), null);
                  },
                  1,
                  scope);
        }
        try (NDManager scope = root.newSubManager()) {
          gotOnDevice =
              three.forwardBackward(
                  batch,
                  (r, i, s, shard) -> loss(r, s, shard, mirror.get(i), Boolean.TRUE),
                  0.5,
                  scope);
        }
        // The replicas' gradients were moved to the primary and zeroed.
        NDArray replicaGrad = mirror.get(1).getGradient();
        assertThat(replicaGrad.abs().max().getFloat()).isZero();
        replicaGrad.close();
      }
      assertThat(threads).hasSize(3);
      assertThat(got).isCloseTo(want, within(1e-6 * Math.abs(want)));
      assertThat(gotOnDevice).isCloseTo(want, within(1e-6 * Math.abs(want)));
      assertThat(assertSameGradients(m1, m3)).isGreaterThan(1e-4);
      int layerParameters = 0;
      for (String name : single.parameterShapes().keySet()) {
        NDArray a = single.parameter(name).getArray();
        if (a.hasGradient()) {
          double largest = assertSameGradients(a, primary.parameter(name).getArray());
          // The loss reads the CLS row, a global token: the local q/k/v get no gradient, and a key
          // bias shifts all of a row's scores alike (softmax ignores it).
          if (name.startsWith("encoder.layer.")
              && !name.matches(".*\\.((query|key|value)\\..*|key_global\\.bias)")) {
            assertThat(largest).as(name).isGreaterThan(1e-6);
            layerParameters++;
          }
        }
      }
      assertThat(layerParameters).isEqualTo(15 * config.numLayers());
    }
  }

  @Test
  void broadcastCopiesUpdatedWeightsAndMirrorsIntoEveryReplica() {
    try (NDManager root = NDManager.newBaseManager(Device.cpu());
        RecformerModel primary = RecformerModel.newInstance(root, config, 3);
        DataParallel two = DataParallel.of(primary, List.of(Device.cpu(), Device.cpu()), 8)) {
      NDArray matrix = root.create(random(ITEMS * 4, 2), new Shape(ITEMS, 4));
      matrix.setRequiresGradient(true);
      try (DataParallel.Mirror mirror = two.mirror(matrix)) {
        String name = "encoder.layer.0.intermediate.dense.weight";
        primary.parameter(name).getArray().addi(0.25f);
        matrix.subi(1f);
        primary.freezeWordEmbeddings(true);
        assertThat(two.replica(1).exportWeightMap()).isNotEqualTo(primary.exportWeightMap());
        two.broadcastWeights();
        assertThat(two.replica(1).exportWeightMap()).isEqualTo(primary.exportWeightMap());
        assertThat(mirror.get(1).toFloatArray()).containsExactly(matrix.toFloatArray());
        assertThat(mirror.get(1).hasGradient()).isTrue();
        String frozen = "embeddings.word_embeddings.weight";
        assertThat(two.replica(1).parameter(frozen).getArray().hasGradient()).isFalse();
      }
    }
  }

  /** Mean over the shard's rows of the squared scores of the pooled vectors against a matrix. */
  private DataParallel.ShardResult loss(
      RecformerModel replica, NDManager scope, List<Integer> rows, NDArray matrix, Boolean device) {
    EncodedBatch b = batchOf(rows);
    NDArray pooled = replica.encode(scope, b, true).pooled();
    scope.tempAttachAll(matrix);
    NDArray scores = pooled.matMul(matrix.transpose());
    NDArray mean = OwnedArrays.scale(scores.square().sum(), 1.0 / (rows.size() * (double) ITEMS));
    return device == null
        ? new DataParallel.ShardResult(mean, mean.getFloat())
        : new DataParallel.ShardResult(mean, mean);
  }

  /** Rows of different lengths, each made from its own seed so shards see the same data. */
  private EncodedBatch batchOf(List<Integer> rows) {
    return syntheticBatch(config, rows, LENGTH, 6, 2);
  }

  /**
   * Rows of seeded random tokens padded to {@code length}: row {@code r} (an index into a fixed
   * set) has {@code firstLength + lengthStep * r} real tokens, [CLS] global, items of four tokens.
   * Shared with {@code LossScalingTest}.
   */
  static EncodedBatch syntheticBatch(
      RecformerConfig config, List<Integer> rows, int length, int firstLength, int lengthStep) {
    int b = rows.size();
    int[] ids = new int[b * length];
    int[] types = new int[b * length];
    int[] positions = new int[b * length];
    int[] items = new int[b * length];
    int[] attention = new int[b * length];
    int[] global = new int[b * length];
    for (int r = 0; r < b; r++) {
      int row = rows.get(r);
      Random random = new Random(100 + row);
      int real = firstLength + lengthStep * row;
      for (int i = 0; i < length; i++) {
        int at = r * length + i;
        if (i >= real) {
          types[at] = RecformerConfig.TYPE_PAD;
          continue;
        }
        attention[at] = 1;
        positions[at] = config.positionOffset() + i;
        ids[at] = i == 0 ? 101 : 1000 + random.nextInt(2000);
        types[at] = i == 0 ? RecformerConfig.TYPE_CLS : RecformerConfig.TYPE_KEY;
        items[at] = i == 0 ? 0 : 1 + i / 4;
        global[at] = i == 0 ? 1 : 0;
      }
    }
    return new EncodedBatch(b, length, ids, types, positions, items, attention, global);
  }

  /** Asserts equal gradients (within 1e-5 of the largest); returns the largest. */
  private static double assertSameGradients(NDArray a, NDArray b) {
    float[] x = a.getGradient().toFloatArray();
    float[] y = b.getGradient().toFloatArray();
    assertThat(y).hasSameSizeAs(x);
    double scale = 0;
    for (float v : x) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < x.length; i++) {
      assertThat((double) y[i]).isCloseTo(x[i], within(1e-5 * Math.max(scale, 1e-4)));
    }
    OptimizerStep.zeroGradients(List.of(a, b));
    return scale;
  }

  private static float[] random(int n, long seed) {
    Random random = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }
}
