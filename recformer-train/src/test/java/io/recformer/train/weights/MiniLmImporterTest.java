package io.recformer.train.weights;

import static io.recformer.train.weights.TensorAssertions.assertDifferent;
import static io.recformer.train.weights.TensorAssertions.assertSameValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import io.recformer.core.config.RecformerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MiniLmImporterTest {

  private static final RecformerConfig CONFIG = RecformerConfig.miniLmL6();
  private static Map<String, WeightTensor> imported;
  private static OnnxMl.GraphProto graph;

  @BeforeAll
  static void load() throws IOException {
    imported = MiniLmFixture.imported();
    // The test's own parse of the file, for spot checks that do not go through the importer.
    try (InputStream in =
        MiniLmImporterTest.class.getResourceAsStream(MiniLmImporter.ONNX_RESOURCE)) {
      CodedInputStream coded = CodedInputStream.newInstance(in);
      coded.setSizeLimit(Integer.MAX_VALUE);
      graph = OnnxMl.ModelProto.parseFrom(coded).getGraph();
    }
  }

  @Test
  void everyExpectedTensorIsPresentWithItsShapeInLayoutOrder() {
    Map<String, long[]> expected = RecformerWeightLayout.expectedShapes(CONFIG);
    assertThat(imported.keySet()).containsExactlyElementsOf(expected.keySet());
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      assertThat(imported.get(e.getKey()).shape()).as(e.getKey()).containsExactly(e.getValue());
    }
    // The shapes as the model contract spells them (d 384, FFN 1536, vocab 30522, 6 layers).
    assertThat(expected).hasSize(6 + 6 * 22 + 5);
    assertShape("embeddings.word_embeddings.weight", 30522, 384);
    assertShape("embeddings.position_embeddings.weight", 512, 384);
    assertShape("embeddings.token_type_embeddings.weight", 4, 384);
    assertShape("embeddings.item_position_embeddings.weight", 51, 384);
    assertShape("embeddings.LayerNorm.bias", 384);
    assertShape("encoder.layer.5.attention.self.value_global.weight", 384, 384);
    assertShape("encoder.layer.5.attention.self.key_global.bias", 384);
    assertShape("encoder.layer.0.attention.output.dense.weight", 384, 384);
    assertShape("encoder.layer.0.intermediate.dense.weight", 1536, 384);
    assertShape("encoder.layer.0.intermediate.dense.bias", 1536);
    assertShape("encoder.layer.0.output.dense.weight", 384, 1536);
    assertShape("encoder.layer.0.output.LayerNorm.weight", 384);
    assertShape("lm_head.dense.weight", 384, 384);
    assertShape("lm_head.layer_norm.weight", 384);
    assertShape("lm_head.bias", 30522);
    assertThat(imported).doesNotContainKey("lm_head.decoder.weight");
  }

  @Test
  void namedParametersEqualTheirInitializers() {
    for (String name :
        List.of(
            "encoder.layer.3.attention.self.key.bias",
            "embeddings.LayerNorm.weight",
            "encoder.layer.5.output.LayerNorm.bias",
            "embeddings.word_embeddings.weight")) {
      assertSameValues(name, imported.get(name).values(), initializer(name));
    }
    float[] positions = initializer("embeddings.position_embeddings.weight");
    assertSameValues(
        "positions", imported.get("embeddings.position_embeddings.weight").values(), positions);
  }

  @Test
  void tracedMatMulWeightsAreTheTransposedInitializers() {
    // Found here by the exporter's node names, an independent route from the importer's bias
    // tracing.
    for (String module :
        List.of(
            "encoder/layer.0/attention/self/query",
            "encoder/layer.0/attention/self/key",
            "encoder/layer.2/attention/self/value",
            "encoder/layer.4/attention/output/dense",
            "encoder/layer.1/intermediate/dense",
            "encoder/layer.5/output/dense")) {
      OnnxMl.NodeProto node = node("/" + module + "/MatMul");
      OnnxMl.TensorProto w = tensor(node.getInput(1));
      int in = (int) w.getDims(0);
      int out = (int) w.getDims(1);
      float[] raw = floats(w);
      WeightTensor t = imported.get(module.replace('/', '.') + ".weight");
      assertThat(t.shape()).containsExactly(out, in);
      for (int o = 0; o < out; o += 37) {
        for (int i = 0; i < in; i += 11) {
          assertThat(t.values()[o * in + i])
              .as("%s[%d, %d]", t.name(), o, i)
              .isEqualTo(raw[i * out + o]);
        }
      }
    }
  }

  @Test
  void queryKeyAndValueWeightsAreDistinct() {
    String p = "encoder.layer.1.attention.self.";
    float[] q = imported.get(p + "query.weight").values();
    float[] k = imported.get(p + "key.weight").values();
    float[] v = imported.get(p + "value.weight").values();
    assertDifferent("query/key", q, k);
    assertDifferent("key/value", k, v);
    assertDifferent("query/value", q, v);
  }

  @Test
  void newPartsAreInitializedAsDocumented() {
    float[] checkpointTypes = initializer("embeddings.token_type_embeddings.weight");
    float[] types = imported.get("embeddings.token_type_embeddings.weight").values();
    for (int row = 0; row < 4; row++) {
      for (int j = 0; j < 384; j++) {
        assertThat(types[row * 384 + j]).isEqualTo(checkpointTypes[j]);
      }
    }
    for (int layer = 0; layer < 6; layer++) {
      String p = RecformerWeightLayout.layerPrefix(layer) + "attention.self.";
      for (String proj : List.of("query", "key", "value")) {
        for (String part : List.of(".weight", ".bias")) {
          assertSameValues(
              p + proj + "_global" + part,
              imported.get(p + proj + "_global" + part).values(),
              imported.get(p + proj + part).values());
        }
      }
    }
    assertThat(imported.get("lm_head.bias").values()).containsOnly(0f);
    assertThat(imported.get("lm_head.dense.bias").values()).containsOnly(0f);
    assertThat(imported.get("lm_head.layer_norm.weight").values()).containsOnly(1f);
    assertThat(imported.get("lm_head.layer_norm.bias").values()).containsOnly(0f);
    for (String name :
        List.of("embeddings.item_position_embeddings.weight", "lm_head.dense.weight")) {
      float[] v = imported.get(name).values();
      double mean = 0;
      double sq = 0;
      for (float x : v) {
        mean += x;
        sq += (double) x * x;
      }
      mean /= v.length;
      double std = Math.sqrt(sq / v.length - mean * mean);
      // 19,584 / 147,456 draws: the sample std is within a few percent of 0.02.
      assertThat(mean).as(name + " mean").isCloseTo(0, Offset.offset(0.001));
      assertThat(std).as(name + " std").isCloseTo(0.02, Offset.offset(0.0005));
    }
  }

  @Test
  void seedMakesTheNewTablesReproducible() {
    Map<String, WeightTensor> bert = new LinkedHashMap<>();
    // A re-run from the already traced tensors is enough to compare seeds.
    for (Map.Entry<String, WeightTensor> e : imported.entrySet()) {
      if (!e.getKey().contains("_global")
          && !e.getKey().startsWith("lm_head")
          && !e.getKey().contains("item_position")) {
        bert.put(e.getKey(), e.getValue());
      }
    }
    bert.put(
        "embeddings.token_type_embeddings.weight",
        new WeightTensor(
            "embeddings.token_type_embeddings.weight",
            new long[] {2, 384},
            initializer("embeddings.token_type_embeddings.weight")));
    Map<String, WeightTensor> same = MiniLmImporter.toRecformer(bert, CONFIG, MiniLmFixture.SEED);
    Map<String, WeightTensor> other = MiniLmImporter.toRecformer(bert, CONFIG, 8);
    assertThat(same.equals(imported)).as("same seed, same tensors").isTrue();
    assertDifferent(
        "item positions",
        other.get("embeddings.item_position_embeddings.weight").values(),
        imported.get("embeddings.item_position_embeddings.weight").values());
    assertDifferent(
        "lm_head.dense",
        other.get("lm_head.dense.weight").values(),
        imported.get("lm_head.dense.weight").values());
    assertThat(other.get("encoder.layer.2.output.dense.weight"))
        .isEqualTo(imported.get("encoder.layer.2.output.dense.weight"));
  }

  @Test
  void configsThatDoNotFitTheCheckpointAreRejected() {
    Map<String, WeightTensor> bert = bertSubset();
    RecformerConfig morePositions = CONFIG.toBuilder().maxPositions(1024).build();
    assertThatThrownBy(() -> MiniLmImporter.toRecformer(bert, morePositions, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "maxPositions = 1024 is out of range: the MiniLM checkpoint has 512 position rows, so"
                + " must be <= 512");
    RecformerConfig offset = CONFIG.toBuilder().positionOffset(2).maxTokens(510).build();
    assertThatThrownBy(() -> MiniLmImporter.toRecformer(bert, offset, 1))
        .hasMessage(
            "positionOffset = 2 is out of range: MiniLM (BERT) numbers positions from 0, so must be"
                + " 0");
    RecformerConfig narrow = CONFIG.toBuilder().hiddenSize(256).numHeads(4).build();
    assertThatThrownBy(() -> MiniLmImporter.toRecformer(bert, narrow, 1))
        .hasMessage("hiddenSize = 256 does not fit the MiniLM checkpoint: must be 384");
    RecformerConfig deeper = CONFIG.toBuilder().numLayers(12).build();
    assertThatThrownBy(() -> MiniLmImporter.toRecformer(bert, deeper, 1))
        .hasMessage("numLayers = 12 does not fit the MiniLM checkpoint: must be 6");
  }

  @Test
  void aShorterPositionTableKeepsTheFirstRows() {
    RecformerConfig shorter = CONFIG.toBuilder().maxPositions(256).maxTokens(256).build();
    Map<String, WeightTensor> out = MiniLmImporter.toRecformer(bertSubset(), shorter, 1);
    float[] positions = out.get("embeddings.position_embeddings.weight").values();
    assertThat(out.get("embeddings.position_embeddings.weight").shape()).containsExactly(256, 384);
    float[] all = initializer("embeddings.position_embeddings.weight");
    assertThat(positions[255 * 384 + 383]).isEqualTo(all[255 * 384 + 383]);
  }

  @Test
  void copiesTheTokenizerJson(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("model/tokenizer.json");
    MiniLmImporter.copyTokenizerJson(target);
    try (InputStream in =
        MiniLmImporterTest.class.getResourceAsStream(MiniLmImporter.TOKENIZER_RESOURCE)) {
      assertThat(Files.readAllBytes(target)).isEqualTo(in.readAllBytes());
    }
    assertThat(new String(Files.readAllBytes(target), StandardCharsets.UTF_8))
        .contains("\"[CLS]\"");
    // Overwrites an existing file and leaves no temporary file behind.
    MiniLmImporter.copyTokenizerJson(target);
    try (var files = Files.list(target.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("tokenizer.json");
    }
  }

  @Test
  void importFromFileEqualsTheClasspathImport(@TempDir Path dir) throws IOException {
    Path onnx = dir.resolve("minilm.onnx");
    try (InputStream in =
        MiniLmImporterTest.class.getResourceAsStream(MiniLmImporter.ONNX_RESOURCE)) {
      Files.copy(in, onnx);
    }
    assertThat(MiniLmImporter.importFrom(onnx, CONFIG, MiniLmFixture.SEED).equals(imported))
        .as("file import equals resource import")
        .isTrue();
    Path broken = dir.resolve("broken.onnx");
    Files.write(broken, new byte[] {0x08, 0x07, 0x12, (byte) 0xff});
    assertThatThrownBy(() -> MiniLmImporter.importFrom(broken, CONFIG, 7))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(broken + ": not a readable ONNX model");
  }

  private static Map<String, WeightTensor> bertSubset() {
    Map<String, WeightTensor> bert = new LinkedHashMap<>(imported);
    bert.put(
        "embeddings.token_type_embeddings.weight",
        new WeightTensor(
            "embeddings.token_type_embeddings.weight",
            new long[] {2, 384},
            initializer("embeddings.token_type_embeddings.weight")));
    return bert;
  }

  private static void assertShape(String name, long... shape) {
    assertThat(imported.get(name).shape()).as(name).containsExactly(shape);
  }

  private static OnnxMl.NodeProto node(String name) {
    List<OnnxMl.NodeProto> found = new ArrayList<>();
    for (OnnxMl.NodeProto n : graph.getNodeList()) {
      if (n.getName().equals(name)) {
        found.add(n);
      }
    }
    assertThat(found).as("node " + name).hasSize(1);
    return found.get(0);
  }

  private static OnnxMl.TensorProto tensor(String name) {
    return graph.getInitializerList().stream()
        .filter(t -> t.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  static float[] initializer(String name) {
    return floats(tensor(name));
  }

  private static float[] floats(OnnxMl.TensorProto t) {
    assertThat(t.getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.FLOAT_VALUE);
    ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[b.remaining() / 4];
    b.asFloatBuffer().get(v);
    return v;
  }
}
