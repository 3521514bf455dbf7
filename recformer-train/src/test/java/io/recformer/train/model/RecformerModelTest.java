package io.recformer.train.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.weights.RecformerWeightLayout;
import io.recformer.train.weights.WeightTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Names, weight round trips, dropout and input validation of {@link RecformerModel}. */
class RecformerModelTest {

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
  void parametersCarryHuggingFaceNamesAndShapes() {
    RecformerConfig config = Fixtures.tiny(2, 2, 4, 4);
    try (NDManager manager = root.newSubManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
      Map<String, long[]> shapes = model.parameterShapes();
      List<String> expected =
          new ArrayList<>(
              List.of(
                  "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                  "embeddings.token_type_embeddings.weight",
                      "embeddings.item_position_embeddings.weight",
                  "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"));
      for (int l = 0; l < 2; l++) {
        String p = "encoder.layer." + l + ".";
        for (String proj :
            List.of("query", "key", "value", "query_global", "key_global", "value_global")) {
          expected.add(p + "attention.self." + proj + ".weight");
          expected.add(p + "attention.self." + proj + ".bias");
        }
        for (String s :
            List.of(
                "attention.output.dense",
                "attention.output.LayerNorm",
                "intermediate.dense",
                "output.dense",
                "output.LayerNorm")) {
          expected.add(p + s + ".weight");
          expected.add(p + s + ".bias");
        }
      }
      expected.addAll(
          List.of(
              "lm_head.dense.weight",
              "lm_head.dense.bias",
              "lm_head.layer_norm.weight",
              "lm_head.layer_norm.bias",
              "lm_head.bias"));
      assertThat(shapes.keySet()).containsExactlyElementsOf(expected);
      assertThat(shapes.get("embeddings.word_embeddings.weight")).containsExactly(40, 8);
      assertThat(shapes.get("embeddings.position_embeddings.weight")).containsExactly(64, 8);
      assertThat(shapes.get("embeddings.token_type_embeddings.weight")).containsExactly(4, 8);
      assertThat(shapes.get("embeddings.item_position_embeddings.weight")).containsExactly(9, 8);
      assertThat(shapes.get("encoder.layer.1.intermediate.dense.weight")).containsExactly(16, 8);
      assertThat(shapes.get("encoder.layer.1.output.dense.weight")).containsExactly(8, 16);
      assertThat(shapes.get("lm_head.bias")).containsExactly(40);
    }
  }

  @Test
  void parameterShapesAgreeWithTheWeightsLayoutUsedByImporters() {
    for (RecformerConfig config :
        new RecformerConfig[] {
          Fixtures.tiny(3, 2, 4, 4),
          RecformerConfig.longformerMini().toBuilder().vocabSize(100).build()
        }) {
      try (NDManager manager = root.newSubManager();
          RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
        Map<String, long[]> layout = RecformerWeightLayout.expectedShapes(config);
        assertThat(model.parameterShapes().keySet()).containsExactlyElementsOf(layout.keySet());
        layout.forEach(
            (name, shape) ->
                assertThat(model.parameterShapes().get(name)).as(name).containsExactly(shape));
      }
    }
  }

  @Test
  void initializationIsSeededLikeBert() {
    RecformerConfig config = Fixtures.tiny(1, 2, 16, 4).toBuilder().vocabSize(2000).build();
    try (NDManager manager = root.newSubManager();
        RecformerModel a = RecformerModel.newInstance(manager, config, 7);
        RecformerModel b = RecformerModel.newInstance(manager, config, 7);
        RecformerModel c = RecformerModel.newInstance(manager, config, 8)) {
      Map<String, WeightTensor> wa = a.exportWeightMap();
      assertThat(wa).isEqualTo(b.exportWeightMap());
      assertThat(wa.get("encoder.layer.0.attention.self.query.weight"))
          .isNotEqualTo(c.exportWeightMap().get("encoder.layer.0.attention.self.query.weight"));
      float[] words = wa.get("embeddings.word_embeddings.weight").values();
      double sum = 0;
      double squares = 0;
      for (float v : words) {
        sum += v;
        squares += v * v;
      }
      double mean = sum / words.length;
      double std = Math.sqrt(squares / words.length - mean * mean);
      // 64,000 draws: the sample std of normal(0, 0.02) is within 2% of 0.02 with overwhelming
      // odds.
      assertThat(std).isBetween(0.0196, 0.0204);
      assertThat(Math.abs(mean)).isLessThan(0.0004);
      assertThat(wa.get("encoder.layer.0.output.dense.bias").values()).containsOnly(0f);
      assertThat(wa.get("encoder.layer.0.output.LayerNorm.weight").values()).containsOnly(1f);
      assertThat(wa.get("lm_head.bias").values()).containsOnly(0f);
    }
  }

  @Test
  void exportLoadRoundTripGivesBitIdenticalOutputs() {
    RecformerConfig config = Fixtures.tiny(2, 2, 8, 6);
    EncodedBatch batch =
        Fixtures.batch(
            config, 11, new int[] {11, 4}, new boolean[] {true, true}, new int[] {0, 2}, 4);
    try (NDManager manager = root.newSubManager();
        RecformerModel source = RecformerModel.newInstance(manager, config, 1);
        RecformerModel target = RecformerModel.newInstance(manager, config, 2)) {
      source.loadWeights(Fixtures.randomWeights(source.parameterShapes(), 3, 0.2));
      List<WeightTensor> exported = source.exportWeights();
      Map<String, WeightTensor> byName = new LinkedHashMap<>();
      exported.forEach(t -> byName.put(t.name(), t));
      float[] before = target.encode(manager, batch, false).hiddenStates().toFloatArray();
      target.loadWeights(byName);
      EncoderOutput want = source.encode(manager, batch, false);
      EncoderOutput got = target.encode(manager, batch, false);
      assertThat(got.hiddenStates().toFloatArray())
          .isNotEqualTo(before)
          .containsExactly(want.hiddenStates().toFloatArray());
      assertThat(got.pooled().toFloatArray()).containsExactly(want.pooled().toFloatArray());
      assertThat(target.exportWeightMap()).isEqualTo(source.exportWeightMap());
    }
  }

  @Test
  void loadingReportsMissingUnexpectedAndMisshapedNames() {
    RecformerConfig config = Fixtures.tiny(1, 2, 4, 4);
    try (NDManager manager = root.newSubManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
      Map<String, WeightTensor> weights = new LinkedHashMap<>(model.exportWeightMap());
      Map<String, WeightTensor> untouched = model.exportWeightMap();
      weights.remove("encoder.layer.0.attention.self.key_global.weight");
      weights.put(
          "pooler.dense.weight",
          new WeightTensor("pooler.dense.weight", new long[] {1}, new float[1]));
      weights.put("lm_head.bias", new WeightTensor("lm_head.bias", new long[] {41}, new float[41]));
      weights.put(
          "embeddings.LayerNorm.bias",
          new WeightTensor(
              "embeddings.LayerNorm.bias", new long[] {8}, new float[] {9, 9, 9, 9, 9, 9, 9, 9}));
      assertThatThrownBy(() -> model.loadWeights(weights))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("missing 1 [encoder.layer.0.attention.self.key_global.weight]")
          .hasMessageContaining("unexpected 1 [pooler.dense.weight]")
          .hasMessageContaining("wrong shape 1 [lm_head.bias (got [41], expected [40])]");
      assertThat(model.exportWeightMap()).as("a failed load changes nothing").isEqualTo(untouched);
    }
  }

  @Test
  void dropoutIsOffInEvaluationAndOnInTraining() {
    RecformerConfig config = Fixtures.tiny(2, 2, 8, 4).toBuilder().dropout(0.1).build();
    EncodedBatch batch =
        Fixtures.batch(
            config, 9, new int[] {9, 6}, new boolean[] {true, true}, new int[] {0, 0}, 4);
    try (NDManager manager = root.newSubManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
      float[] eval1 = model.encode(manager, batch, false).hiddenStates().toFloatArray();
      float[] eval2 = model.encode(manager, batch, false).hiddenStates().toFloatArray();
      float[] train1 = model.encode(manager, batch, true).hiddenStates().toFloatArray();
      float[] train2 = model.encode(manager, batch, true).hiddenStates().toFloatArray();
      assertThat(eval2).containsExactly(eval1);
      assertThat(maxAbsDiff(train1, eval1)).isGreaterThan(1e-2);
      assertThat(maxAbsDiff(train1, train2)).isGreaterThan(1e-2);
    }
  }

  @Test
  void djlBlockForwardEqualsEncode() {
    RecformerConfig config = Fixtures.tiny(1, 2, 8, 4);
    EncodedBatch batch =
        Fixtures.batch(
            config, 10, new int[] {10, 7}, new boolean[] {true, true}, new int[] {0, 0}, 4);
    try (NDManager manager = root.newSubManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
      Shape shape = new Shape(2, 10);
      NDList inputs =
          new NDList(
              manager.create(batch.inputIds(), shape),
              manager.create(batch.tokenTypeIds(), shape),
              manager.create(batch.tokenPositionIds(), shape),
              manager.create(batch.itemPositionIds(), shape),
              manager.create(batch.attentionMask(), shape),
              manager.create(batch.globalAttentionMask(), shape));
      NDList out = model.forward(model.parameterStore(), inputs, false);
      assertThat(out.get(0).getShape()).isEqualTo(new Shape(2, 10, 16));
      assertThat(out.get(1).getShape()).isEqualTo(new Shape(2, 16));
      assertThat(model.getOutputShapes(new Shape[] {shape}))
          .containsExactly(new Shape(2, 10, 16), new Shape(2, 16));
      assertThat(out.get(0).toFloatArray())
          .containsExactly(model.encode(manager, batch, false).hiddenStates().toFloatArray());
    }
  }

  @Test
  @SuppressWarnings("try") // closes the model inside its try block on purpose: close is idempotent
  void invalidInputsAreRejectedWithTheirPosition() {
    RecformerConfig config = Fixtures.tiny(1, 2, 4, 4);
    EncodedBatch good =
        Fixtures.batch(
            config, 5, new int[] {5, 3}, new boolean[] {true, true}, new int[] {0, 0}, 4);
    int[] ids = good.inputIds().clone();
    ids[7] = 40;
    EncodedBatch badId =
        new EncodedBatch(
            2,
            5,
            ids,
            good.tokenTypeIds(),
            good.tokenPositionIds(),
            good.itemPositionIds(),
            good.attentionMask(),
            good.globalAttentionMask());
    int[] global = good.globalAttentionMask().clone();
    global[9] = 1;
    EncodedBatch badGlobal =
        new EncodedBatch(
            2,
            5,
            good.inputIds(),
            good.tokenTypeIds(),
            good.tokenPositionIds(),
            good.itemPositionIds(),
            good.attentionMask(),
            global);
    try (NDManager manager = root.newSubManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
      assertThatThrownBy(() -> model.encode(manager, badId, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("input id 40 at [1, 2] is out of range [0, 40)");
      assertThatThrownBy(() -> model.encode(manager, badGlobal, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("global attention at [1, 4] is on a padding token");
      model.close();
      model.close();
      assertThatThrownBy(() -> model.encode(manager, good, false))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("the model is closed");
    }
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
