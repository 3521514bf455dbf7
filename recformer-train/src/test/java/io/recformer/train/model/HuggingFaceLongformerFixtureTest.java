package io.recformer.train.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.EncodedSequence;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DJL encoder against Hugging Face's own {@code LongformerModel} (modeling_longformer.py with
 * its chunked sliding window and separate global projections), run once by
 * tools/hf-fixtures/make_longformer_fixtures.py. The fixtures hold two tiny random models (windows
 * 4 and 8) under Hugging Face names, batches with uneven padding, several global tokens per row (a
 * row without a global CLS, one without any global token) and HF's last hidden states, all float32.
 * Recformer's item-position table, which Longformer lacks, is zero here and every item position 0,
 * so the embedding sum is HF's. No Python runs here.
 */
class HuggingFaceLongformerFixtureTest {

  /** float32 DJL vs float32 PyTorch, 2 layers, |h| of order 1: rounding differences only. */
  private static final double TOLERANCE = 1e-5;

  /** A real defect must move the output by far more than rounding does. */
  private static final double DEFECT = 100 * TOLERANCE;

  private static final String DIR = "/fixtures/hf-longformer/";
  private static final int FORMAT_VERSION = 1;
  private static final String ITEM_POSITIONS = "embeddings.item_position_embeddings.weight";

  private static NDManager root;
  private static JsonNode manifest;

  @BeforeAll
  static void open() throws IOException {
    root = NDManager.newBaseManager();
    manifest = new ObjectMapper().readTree(resource("fixtures.json").toFile());
    assertThat(manifest.path("format_version").asInt())
        .as("fixtures.json format_version")
        .isEqualTo(FORMAT_VERSION);
  }

  @AfterAll
  static void close() {
    root.close();
  }

  static Stream<String> models() throws IOException {
    JsonNode models = new ObjectMapper().readTree(resource("fixtures.json").toFile()).get("models");
    List<String> names = new ArrayList<>();
    models.forEach(m -> names.add(m.get("name").asText()));
    return names.stream();
  }

  @Test
  void fixturesCoverSeveralModelsAndChunks() {
    assertThat(manifest.get("models")).hasSizeGreaterThanOrEqualTo(2);
    for (JsonNode model : manifest.get("models")) {
      int window = model.at("/config/attention_window").asInt();
      for (JsonNode batch : model.get("batches")) {
        // several sliding-window chunks in some row, several global tokens in some row
        assertThat(batch.get("length").asInt()).isGreaterThan(2 * window);
        int maxGlobals = 0;
        for (JsonNode row : batch.get("global_attention_mask")) {
          int globals = 0;
          for (JsonNode g : row) {
            globals += g.asInt();
          }
          maxGlobals = Math.max(maxGlobals, globals);
        }
        assertThat(maxGlobals).isGreaterThanOrEqualTo(2);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void hfWeightNamesAreTheModelsNames(String name) throws IOException {
    Fixture fixture = Fixture.load(name);
    try (NDManager manager = root.newSubManager();
        RecformerModel model = RecformerModel.newInstance(manager, fixture.config, 1)) {
      Map<String, long[]> shapes = model.parameterShapes();
      for (WeightTensor t : fixture.hfWeights.values()) {
        assertThat(shapes).as("HF tensor %s", t.name()).containsKey(t.name());
        assertThat(shapes.get(t.name())).as("shape of %s", t.name()).isEqualTo(t.shape());
      }
      TreeSet<String> notFromHf = new TreeSet<>(shapes.keySet());
      notFromHf.removeAll(fixture.hfWeights.keySet());
      // Only Recformer's additions: the item-position table and the MLM head.
      assertThat(notFromHf)
          .allMatch(n -> n.equals(ITEM_POSITIONS) || n.startsWith("lm_head."), "not from HF");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void collatorPositionsAreTheOnesHfDerivesFromInputIds(String name) throws IOException {
    Fixture fixture = Fixture.load(name);
    for (JsonNode batch : fixture.batches) {
      EncodedBatch collated = fixture.collate(batch);
      assertThat(collated.tokenPositionIds())
          .as("batch %s: token positions", batch.get("name").asText())
          .isEqualTo(flat(batch.get("position_ids")));
      assertThat(collated.inputIds()).isEqualTo(flat(batch.get("input_ids")));
      assertThat(collated.tokenTypeIds()).isEqualTo(flat(batch.get("token_type_ids")));
      assertThat(collated.attentionMask()).isEqualTo(flat(batch.get("attention_mask")));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void lastHiddenStatesMatchHuggingFace(String name) throws IOException {
    Fixture fixture = Fixture.load(name);
    assertThat(fixture.maxAbsDiff(fixture.weights(UnaryOperator.identity()), false))
        .as("%s: max |djl - HF| over real tokens", name)
        .isLessThan(TOLERANCE);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void theComparisonDetectsWrongGlobalProjectionsAndPositions(String name) throws IOException {
    Fixture fixture = Fixture.load(name);
    // Global rows computed with the local projections (as if query_global etc. were ignored).
    Map<String, WeightTensor> localAsGlobal =
        fixture.weights(
            w -> {
              Map<String, WeightTensor> out = new LinkedHashMap<>(w);
              for (String n : w.keySet()) {
                if (n.contains("_global.")) {
                  String local = n.replace("_global.", ".");
                  out.put(n, w.get(local).renamed(n));
                }
              }
              return out;
            });
    assertThat(fixture.maxAbsDiff(localAsGlobal, false))
        .as("%s: local projections for global tokens", name)
        .isGreaterThan(DEFECT);
    // BERT-style positions from 0 instead of HF's pad_token_id + 1.
    assertThat(fixture.maxAbsDiff(fixture.weights(UnaryOperator.identity()), true))
        .as("%s: positions without the padding offset", name)
        .isGreaterThan(DEFECT);
  }

  /** One fixture model: its Recformer config, HF weights and batches. */
  private static final class Fixture {
    final RecformerConfig config;
    final Map<String, WeightTensor> hfWeights;
    final Map<String, WeightTensor> outputs;
    final List<JsonNode> batches = new ArrayList<>();
    final int padId;

    private Fixture(JsonNode node) throws IOException {
      JsonNode c = node.get("config");
      assertThat(c.get("hidden_act").asText()).isEqualTo("gelu");
      padId = c.get("pad_token_id").asInt();
      int maxPositions = c.get("max_position_embeddings").asInt();
      // RoBERTa/Longformer positions start at pad_token_id + 1 (reference section 2).
      int offset = padId + 1;
      config =
          RecformerConfig.miniLmL6().toBuilder()
              .vocabSize(c.get("vocab_size").asInt())
              .hiddenSize(c.get("hidden_size").asInt())
              .numLayers(c.get("num_hidden_layers").asInt())
              .numHeads(c.get("num_attention_heads").asInt())
              .intermediateSize(c.get("intermediate_size").asInt())
              .maxPositions(maxPositions)
              .positionOffset(offset)
              .tokenTypes(c.get("type_vocab_size").asInt())
              .maxItems(8)
              .maxItemPositions(9)
              .maxTokens(maxPositions - offset)
              .attentionWindow(c.get("attention_window").asInt())
              .layerNormEps(c.get("layer_norm_eps").asDouble())
              .dropout(0)
              .pooling(Pooling.CLS)
              .build();
      hfWeights = SafeTensors.read(resource(node.get("weights").asText())).tensors();
      outputs = SafeTensors.read(resource(node.get("outputs").asText())).tensors();
      node.get("batches").forEach(batches::add);
    }

    static Fixture load(String name) throws IOException {
      for (JsonNode node : manifest.get("models")) {
        if (node.get("name").asText().equals(name)) {
          return new Fixture(node);
        }
      }
      throw new IllegalArgumentException("no fixture model named " + name);
    }

    /**
     * The model's weights: HF's, a zero item-position table, and the MLM head as initialized (the
     * encoder never reads it), after {@code edit}.
     */
    Map<String, WeightTensor> weights(UnaryOperator<Map<String, WeightTensor>> edit) {
      try (NDManager manager = root.newSubManager();
          RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
        Map<String, WeightTensor> all = new LinkedHashMap<>(model.exportWeightMap());
        all.putAll(hfWeights);
        WeightTensor items = all.get(ITEM_POSITIONS);
        all.put(
            ITEM_POSITIONS,
            new WeightTensor(ITEM_POSITIONS, items.shape(), new float[items.size()]));
        return edit.apply(all);
      }
    }

    /**
     * The batch as the production path builds it: sequences with positions {@code offset + i}
     * padded by {@link BatchCollator}, then the fixture's global tokens and item positions 0.
     */
    EncodedBatch collate(JsonNode batch) {
      return collate(batch, config.positionOffset());
    }

    private EncodedBatch collate(JsonNode batch, int offset) {
      int b = batch.get("batch_size").asInt();
      int n = batch.get("length").asInt();
      List<EncodedSequence> sequences = new ArrayList<>();
      for (int r = 0; r < b; r++) {
        int len = batch.get("lengths").get(r).asInt();
        int[] ids = new int[len];
        int[] types = new int[len];
        int[] positions = new int[len];
        for (int i = 0; i < len; i++) {
          ids[i] = batch.get("input_ids").get(r).get(i).asInt();
          types[i] = batch.get("token_type_ids").get(r).get(i).asInt();
          positions[i] = offset + i;
        }
        sequences.add(new EncodedSequence(ids, types, positions, new int[len]));
      }
      EncodedBatch collated = BatchCollator.unrounded(config, padId).collate(sequences);
      assertThat(collated.length()).isEqualTo(n);
      return new EncodedBatch(
          b,
          n,
          collated.inputIds(),
          collated.tokenTypeIds(),
          collated.tokenPositionIds(),
          new int[b * n],
          collated.attentionMask(),
          flat(batch.get("global_attention_mask")));
    }

    /** Largest |djl - HF| over the real tokens of every batch. */
    double maxAbsDiff(Map<String, WeightTensor> weights, boolean positionsFromZero) {
      int d = config.hiddenSize();
      double max = 0;
      try (NDManager manager = root.newSubManager();
          RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
        model.loadWeights(weights);
        // Both computations of the sliding window: the chunks and the dense band.
        for (AttentionMode mode : List.of(AttentionMode.CHUNKED, AttentionMode.DENSE_BAND)) {
          for (JsonNode batch : batches) {
            EncodedBatch input = collate(batch, positionsFromZero ? 0 : config.positionOffset());
            float[] got = model.encode(manager, input, false, mode).hiddenStates().toFloatArray();
            WeightTensor want = outputs.get(batch.get("last_hidden_state").asText());
            int n = input.length();
            assertThat(want.shape()).containsExactly(input.batchSize(), n, d);
            for (int r = 0; r < input.batchSize(); r++) {
              for (int i = 0; i < input.sequenceLength(r); i++) {
                for (int k = 0; k < d; k++) {
                  int at = (r * n + i) * d + k;
                  max = Math.max(max, Math.abs(got[at] - want.values()[at]));
                }
              }
            }
          }
        }
      }
      return max;
    }
  }

  private static int[] flat(JsonNode rows) {
    List<Integer> values = new ArrayList<>();
    rows.forEach(row -> row.forEach(v -> values.add(v.asInt())));
    return values.stream().mapToInt(Integer::intValue).toArray();
  }

  private static Path resource(String file) {
    URL url = HuggingFaceLongformerFixtureTest.class.getResource(DIR + file);
    if (url == null) {
      throw new IllegalStateException(
          "test resource " + DIR + file + " is missing; see tools/hf-fixtures/README.md");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("bad resource URL " + url, e);
    }
  }
}
