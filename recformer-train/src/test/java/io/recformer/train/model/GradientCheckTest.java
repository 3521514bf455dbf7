package io.recformer.train.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.weights.WeightTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DJL autograd gradients of a scalar loss against central finite differences of the same loss
 * computed by the independent double-precision {@link ReferenceLongformer}. The loss touches the
 * hidden states (so every encoder parameter, including the global projections) and the MLM logits
 * (so the LM head and the tied decoder).
 */
class GradientCheckTest {

  /** |autograd - finite difference| must be below ABS + REL * |finite difference|. */
  private static final double ABS = 2e-6;

  private static final double REL = 2e-4;
  private static final double STEP = 1e-3;

  private static NDManager root;

  @BeforeAll
  static void open() {
    root = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    root.close();
  }

  @Test
  void autogradMatchesFiniteDifferencesOfTheReference() {
    RecformerConfig config = Fixtures.tiny(2, 2, 4, 4);
    int length = 7;
    int[] lengths = {7, 5};
    EncodedBatch batch =
        Fixtures.batch(config, length, lengths, new boolean[] {true, true}, new int[] {0, 5}, 21);
    int d = config.hiddenSize();
    int vocab = config.vocabSize();
    Random random = new Random(8);
    float[] hiddenWeights = new float[2 * length * d];
    float[] logitWeights = new float[2 * length * vocab];
    for (int r = 0; r < 2; r++) {
      for (int i = 0; i < lengths[r]; i++) {
        for (int k = 0; k < d; k++) {
          hiddenWeights[(r * length + i) * d + k] = (float) random.nextGaussian();
        }
        for (int k = 0; k < vocab; k++) {
          logitWeights[(r * length + i) * vocab + k] = (float) (0.1 * random.nextGaussian());
        }
      }
    }
    try (NDManager manager = root.newSubManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 2)) {
      Map<String, WeightTensor> weights = Fixtures.randomWeights(model.parameterShapes(), 13, 0.3);
      model.loadWeights(weights);
      try (NDManager batchManager = manager.newSubManager();
          GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        EncoderOutput out = model.encode(batchManager, batch, true);
        NDArray loss =
            out.hiddenStates()
                .mul(batchManager.create(hiddenWeights, new Shape(2, length, d)))
                .sum()
                .add(
                    model
                        .mlmLogits(model.parameterStore(), out.hiddenStates(), true)
                        .mul(batchManager.create(logitWeights, new Shape(2, length, vocab)))
                        .sum());
        collector.backward(loss);
        double expectedLoss = referenceLoss(config, weights, batch, hiddenWeights, logitWeights);
        assertThat((double) loss.getFloat())
            .isCloseTo(expectedLoss, Assertions.within(1e-4 * Math.max(1, Math.abs(expectedLoss))));
      }

      Random pick = new Random(5);
      List<String> failures = new ArrayList<>();
      int checked = 0;
      double worst = 0;
      for (String name : model.parameterShapes().keySet()) {
        float[] gradient = model.parameter(name).getArray().getGradient().toFloatArray();
        WeightTensor original = weights.get(name);
        for (int sample = 0; sample < 2; sample++) {
          int index = pickIndex(name, original, batch, pick);
          double fd =
              finiteDifference(config, weights, name, index, batch, hiddenWeights, logitWeights);
          double ad = gradient[index];
          double error = Math.abs(ad - fd);
          worst = Math.max(worst, error / (ABS + REL * Math.abs(fd)));
          checked++;
          if (error > ABS + REL * Math.abs(fd)) {
            failures.add(
                String.format(
                    Locale.ROOT,
                    "%s[%d]: autograd %.8g, finite difference %.8g",
                    name,
                    index,
                    ad,
                    fd));
          }
        }
      }
      assertThat(checked).isEqualTo(2 * model.parameterShapes().size());
      assertThat(failures).as("worst error / tolerance = %.3f", worst).isEmpty();
    }
  }

  @Test
  void frozenWordEmbeddingsGetNoGradientAndForwardLeaksNoArrays() {
    RecformerConfig config = Fixtures.tiny(1, 2, 4, 4);
    EncodedBatch batch =
        Fixtures.batch(
            config, 6, new int[] {6, 3}, new boolean[] {true, true}, new int[] {0, 0}, 3);
    try (NDManager manager = root.newSubManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 2)) {
      model.freezeWordEmbeddings(true);
      int before = -1;
      for (int step = 0; step < 3; step++) {
        try (NDManager batchManager = manager.newSubManager();
            GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          EncoderOutput out = model.encode(batchManager, batch, true);
          // Only the two outputs remain in the batch manager; the forward's temporaries are gone.
          assertThat(((BaseNDManager) batchManager).getManagedArrays())
              .containsExactlyInAnyOrder(out.hiddenStates(), out.pooled());
          // Not pooled().sum(): a LayerNorm output with unit scale and zero shift sums to 0.
          collector.backward(out.pooled().square().sum());
        }
        if (before < 0) {
          before = model.managedArrayCount();
        }
      }
      assertThat(model.managedArrayCount()).as("model arrays after 3 steps").isEqualTo(before);
      assertThat(model.parameter("embeddings.word_embeddings.weight").requiresGradient()).isFalse();
      assertThat(model.parameter("embeddings.word_embeddings.weight").getArray().hasGradient())
          .isFalse();
      NDArray g = model.parameter("embeddings.position_embeddings.weight").getArray().getGradient();
      assertThat(g.abs().sum().getFloat()).isGreaterThan(0f);
    }
  }

  /** An index whose gradient is not trivially zero: embedding rows that the batch uses. */
  private static int pickIndex(String name, WeightTensor t, EncodedBatch batch, Random pick) {
    int cols = t.shape().length == 2 ? (int) t.shape()[1] : 1;
    int[] rows =
        switch (name) {
          case "embeddings.word_embeddings.weight" -> batch.inputIds();
          case "embeddings.position_embeddings.weight" -> batch.tokenPositionIds();
          case "embeddings.token_type_embeddings.weight" -> batch.tokenTypeIds();
          case "embeddings.item_position_embeddings.weight" -> batch.itemPositionIds();
          default -> null;
        };
    if (rows == null) {
      return pick.nextInt(t.size());
    }
    int at;
    do {
      at = pick.nextInt(rows.length);
    } while (batch.attentionMask()[at] == 0);
    return rows[at] * cols + pick.nextInt(cols);
  }

  private static double finiteDifference(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      String name,
      int index,
      EncodedBatch batch,
      float[] hw,
      float[] lw) {
    WeightTensor t = weights.get(name);
    float w = t.values()[index];
    float plus = (float) (w + STEP);
    float minus = (float) (w - STEP);
    double lossPlus = referenceLoss(config, with(weights, name, index, plus), batch, hw, lw);
    double lossMinus = referenceLoss(config, with(weights, name, index, minus), batch, hw, lw);
    return (lossPlus - lossMinus) / ((double) plus - (double) minus);
  }

  private static Map<String, WeightTensor> with(
      Map<String, WeightTensor> weights, String name, int index, float value) {
    Map<String, WeightTensor> copy = new LinkedHashMap<>(weights);
    WeightTensor t = weights.get(name);
    float[] v = t.values().clone();
    v[index] = value;
    copy.put(name, new WeightTensor(name, t.shape(), v));
    return copy;
  }

  private static double referenceLoss(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      EncodedBatch batch,
      float[] hw,
      float[] lw) {
    ReferenceLongformer reference = new ReferenceLongformer(config, weights);
    double[][][] hidden = reference.encode(batch);
    int n = batch.length();
    int d = config.hiddenSize();
    int vocab = config.vocabSize();
    double loss = 0;
    for (int r = 0; r < batch.batchSize(); r++) {
      for (int i = 0; i < n; i++) {
        if (batch.attentionMask()[r * n + i] == 0) {
          continue;
        }
        for (int k = 0; k < d; k++) {
          loss += hidden[r][i][k] * hw[(r * n + i) * d + k];
        }
        double[] logits = reference.mlmLogits(hidden[r][i]);
        for (int k = 0; k < vocab; k++) {
          loss += logits[k] * lw[(r * n + i) * vocab + k];
        }
      }
    }
    return loss;
  }
}
