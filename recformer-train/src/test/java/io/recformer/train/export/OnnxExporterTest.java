package io.recformer.train.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.BundleArchive;
import io.recformer.core.format.BundleManifest;
import io.recformer.core.format.ConfigJson;
import io.recformer.core.format.EncoderModelContract;
import io.recformer.core.format.Provenance;
import io.recformer.train.model.AttentionMode;
import io.recformer.train.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxExporterTest {

  private static final RecformerConfig CONFIG = TinyBundleTest.config();

  private static Map<String, WeightTensor> weights(RecformerConfig config) {
    return ExportFixtures.randomWeights(EncoderGraph.expectedShapes(config), 3, 0.3);
  }

  @Test
  void modelUsesStandardOpset17OperatorsAndCarriesItsMetadata() throws Exception {
    byte[] onnx = OnnxExporter.toOnnx(CONFIG, weights(CONFIG), ExportFixtures.fixedProvenance(3));
    assertThat(OnnxExporter.toOnnx(CONFIG, weights(CONFIG), ExportFixtures.fixedProvenance(3)))
        .as("deterministic")
        .isEqualTo(onnx);
    OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(onnx);
    assertThat(model.getOpsetImportList())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getDomain()).isEmpty();
              assertThat(o.getVersion()).isEqualTo(17);
            });
    Set<String> ops = new HashSet<>();
    model.getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
    assertThat(ops)
        .contains("LayerNormalization", "Erf", "Softmax", "TopK", "Gather")
        .isSubsetOf(
            Set.of(
                "Shape",
                "Slice",
                "Div",
                "Add",
                "Mul",
                "Sub",
                "Concat",
                "Pad",
                "Gather",
                "LayerNormalization",
                "Cast",
                "Reshape",
                "Unsqueeze",
                "Squeeze",
                "Range",
                "ReduceSum",
                "ReduceMax",
                "Max",
                "TopK",
                "Greater",
                "Equal",
                "Transpose",
                "MatMul",
                "Split",
                "Softmax",
                "Erf",
                "Identity",
                "Sqrt",
                "Abs",
                "LessOrEqual"));
    assertThat(model.getGraph().getInputList())
        .extracting(OnnxMl.ValueInfoProto::getName)
        .containsExactlyElementsOf(EncoderModelContract.INPUT_NAMES);
    assertThat(model.getGraph().getOutputList())
        .extracting(OnnxMl.ValueInfoProto::getName)
        .containsExactlyElementsOf(EncoderModelContract.OUTPUT_NAMES);
    // Batch and length are dynamic.
    OnnxMl.TensorShapeProto shape =
        model.getGraph().getInput(0).getType().getTensorType().getShape();
    assertThat(shape.getDim(0).getDimParam()).isEqualTo("batch");
    assertThat(shape.getDim(1).getDimParam()).isEqualTo("length");
    Map<String, String> metadata = new LinkedHashMap<>();
    model.getMetadataPropsList().forEach(e -> metadata.put(e.getKey(), e.getValue()));
    assertThat(metadata)
        .containsEntry("recformer.kind", "recformer-encoder")
        .containsEntry("recformer.formatVersion", "1")
        .containsEntry("recformer.opset", "17");
    assertThat(ConfigJson.fromJson(metadata.get("recformer.config"), "metadata")).isEqualTo(CONFIG);
    assertThat(metadata.get("recformer.provenance"))
        .contains("\"seed\":3")
        .contains("\"createdAt\":\"2026-11-27T00:00:00Z\"");
    // Every weight is a float32 initializer in raw_data; the MLM head is not exported.
    assertThat(model.getGraph().getInitializerList())
        .allSatisfy(
            t -> {
              long count = t.getDimsList().stream().reduce(1L, Math::multiplyExact);
              int width = t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber() ? 4 : 8;
              assertThat(t.getDataType())
                  .isIn(
                      OnnxMl.TensorProto.DataType.FLOAT.getNumber(),
                      OnnxMl.TensorProto.DataType.INT64.getNumber());
              assertThat((long) t.getRawData().size()).as(t.getName()).isEqualTo(count * width);
            });
    assertThat(model.getGraph().getInitializerList())
        .extracting(OnnxMl.TensorProto::getName)
        .contains(
            "embeddings.word_embeddings.weight", "encoder.layer.1.attention.self.qkv.weight_t")
        .noneMatch(n -> n.startsWith("lm_head"));
  }

  @Test
  void theLayoutFollowsMaxTokensAndTheMetadataSaysWhich() throws Exception {
    // Window 8: chunks of 4 tokens, so up to 16 tokens (4 chunks) export the dense layout.
    RecformerConfig shortSequences = CONFIG.toBuilder().attentionWindow(8).maxTokens(16).build();
    RecformerConfig longSequences = CONFIG.toBuilder().attentionWindow(8).maxTokens(17).build();
    assertThat(EncoderGraph.layoutFor(shortSequences)).isEqualTo(AttentionMode.DENSE_BAND);
    assertThat(EncoderGraph.layoutFor(longSequences)).isEqualTo(AttentionMode.CHUNKED);
    assertThat(attentionOf(OnnxExporter.toOnnx(shortSequences, weights(shortSequences), P)))
        .isEqualTo("dense-band");
    assertThat(attentionOf(OnnxExporter.toOnnx(longSequences, weights(longSequences), P)))
        .isEqualTo("chunked");
    // Asked for explicitly, a layout is kept whatever maxTokens says.
    byte[] chunked =
        OnnxExporter.toOnnx(
            shortSequences, weights(shortSequences), P, Optional.empty(), AttentionMode.CHUNKED);
    assertThat(attentionOf(chunked)).isEqualTo("chunked");
    Set<String> ops = new HashSet<>();
    OnnxMl.ModelProto.parseFrom(chunked)
        .getGraph()
        .getNodeList()
        .forEach(n -> ops.add(n.getOpType()));
    assertThat(ops).contains("Pad").doesNotContain("LessOrEqual");
    Set<String> denseOps = new HashSet<>();
    OnnxMl.ModelProto.parseFrom(OnnxExporter.toOnnx(shortSequences, weights(shortSequences), P))
        .getGraph()
        .getNodeList()
        .forEach(n -> denseOps.add(n.getOpType()));
    assertThat(denseOps).contains("LessOrEqual").doesNotContain("Pad");
  }

  private static final Provenance P = ExportFixtures.fixedProvenance(5);

  private static String attentionOf(byte[] onnx) throws Exception {
    return OnnxMl.ModelProto.parseFrom(onnx).getMetadataPropsList().stream()
        .filter(e -> e.getKey().equals(OnnxExporter.META_ATTENTION))
        .map(OnnxMl.StringStringEntryProto::getValue)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void rejectsWeightsThatDoNotFitTheConfig() {
    Map<String, WeightTensor> w = new LinkedHashMap<>(weights(CONFIG));
    w.remove("encoder.layer.0.attention.self.key_global.bias");
    w.put(
        "embeddings.LayerNorm.weight",
        new WeightTensor("embeddings.LayerNorm.weight", new long[] {8}, new float[8]));
    assertThatThrownBy(() -> OnnxExporter.toOnnx(CONFIG, w, ExportFixtures.fixedProvenance(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing 1 [encoder.layer.0.attention.self.key_global.bias]")
        .hasMessageContaining("embeddings.LayerNorm.weight (got [8], expected [16])");
  }

  @Test
  void rejectsATokenizerLargerThanTheVocabulary(@TempDir Path temp) {
    RecformerConfig small = CONFIG.toBuilder().vocabSize(20).build();
    assertThatThrownBy(
            () ->
                OnnxExporter.writeBundle(
                    small,
                    weights(small),
                    TinyBundleTest.tokenizerSource(),
                    ExportFixtures.fixedProvenance(1),
                    temp.resolve("b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vocabSize = 20 is smaller than the vocabulary");
    assertThat(temp.resolve("b")).doesNotExist();
  }

  @Test
  void rewritingABundleReplacesItWholeAndLeavesNoTemporaries(@TempDir Path temp) throws Exception {
    Path dir = temp.resolve("bundle");
    OnnxExporter.writeBundle(
        CONFIG,
        weights(CONFIG),
        TinyBundleTest.tokenizerSource(),
        ExportFixtures.fixedProvenance(1),
        dir);
    Files.writeString(dir.resolve("stale.txt"), "from an older export");
    BundleManifest second =
        OnnxExporter.writeBundle(
            CONFIG,
            weights(CONFIG),
            TinyBundleTest.tokenizerSource(),
            ExportFixtures.fixedProvenance(2),
            dir);
    assertThat(BundleManifest.read(dir)).isEqualTo(second);
    assertThat(second.provenance().seed()).isEqualTo(2);
    assertThat(second.modelSha256()).isPresent();
    assertThat(second.outputNames()).isEqualTo(EncoderModelContract.OUTPUT_NAMES);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("model.onnx", "tokenizer.json", "manifest.json");
    }
    Path archive = temp.resolve("bundle.zip");
    OnnxExporter.writeArchive(
        CONFIG,
        weights(CONFIG),
        TinyBundleTest.tokenizerSource(),
        ExportFixtures.fixedProvenance(2),
        archive);
    assertThat(BundleArchive.extract(archive, temp.resolve("x"))).isEqualTo(second);
    try (Stream<Path> files = Files.list(temp)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("bundle", "bundle.zip", "x");
    }
  }

  @Test
  void meanPoolingConfigExportsToo() throws Exception {
    RecformerConfig mean = CONFIG.toBuilder().pooling(Pooling.MEAN).build();
    OnnxMl.ModelProto model =
        OnnxMl.ModelProto.parseFrom(
            OnnxExporter.toOnnx(mean, weights(mean), ExportFixtures.fixedProvenance(1)));
    assertThat(model.getGraph().getNodeList())
        .extracting(OnnxMl.NodeProto::getOpType)
        .contains("ReduceSum");
    assertThat(List.of(model.getGraph().getOutput(0).getName())).containsExactly("pooled");
  }
}
