package io.recformer.core.format;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.config.RecformerConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class EncoderModelContractTest {

  private static final BundleManifest MANIFEST =
      BundleManifest.of(
          RecformerConfig.miniLmL6(),
          EncoderModelContract.OUTPUT_NAMES,
          384,
          ProvenanceTest.fixed());

  private static Map<String, String> metadata(RecformerConfig config) {
    Map<String, String> m = new HashMap<>();
    m.put(EncoderModelContract.META_KIND, EncoderModelContract.MODEL_KIND);
    m.put(EncoderModelContract.META_FORMAT_VERSION, "1");
    m.put(EncoderModelContract.META_CONFIG, ConfigJson.toJson(config));
    return m;
  }

  @Test
  void acceptsMatchingMetadata() {
    assertThatCode(
            () ->
                EncoderModelContract.verifyMetadata(
                    metadata(RecformerConfig.miniLmL6()), MANIFEST, "model.onnx"))
        .doesNotThrowAnyException();
  }

  @Test
  void theModelsQuantizationMustMatchTheManifests() {
    BundleQuantization q =
        new BundleQuantization(
            BundleQuantization.Scheme.INT8_DYNAMIC,
            BundleQuantization.Granularity.PER_TENSOR,
            30,
            List.of(),
            0,
            0,
            0);
    BundleManifest quantized = MANIFEST.withQuantization(q);
    Map<String, String> int8 = metadata(RecformerConfig.miniLmL6());
    int8.put(EncoderModelContract.META_QUANTIZATION, q.summary());
    assertThatCode(() -> EncoderModelContract.verifyMetadata(int8, quantized, "m.onnx"))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> EncoderModelContract.verifyMetadata(int8, MANIFEST, "m.onnx"))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessage(
            "the manifest's quantization (none, float32) does not match the quantization stored in"
                + " m.onnx (int8-dynamic, per-tensor weights, 30 int8 layers, 0 float32 layers, not"
                + " calibrated): the manifest and the model come from different exports");
    assertThatThrownBy(
            () ->
                EncoderModelContract.verifyMetadata(
                    metadata(RecformerConfig.miniLmL6()), quantized, "m.onnx"))
        .hasMessageContaining("stored in m.onnx (none, float32)");
  }

  @Test
  void namesEveryDifferingConfigField() {
    RecformerConfig other =
        RecformerConfig.miniLmL6().toBuilder().maxTokens(256).numLayers(4).build();
    assertThatThrownBy(
            () -> EncoderModelContract.verifyMetadata(metadata(other), MANIFEST, "model.onnx"))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining(
            "the manifest's config does not match the config stored in model.onnx")
        .hasMessageContaining("numLayers: manifest 6, model 4")
        .hasMessageContaining("maxTokens: manifest 512, model 256");
  }

  @Test
  void rejectsOtherKindsNewerVersionsAndMissingConfig() {
    Map<String, String> m = metadata(RecformerConfig.miniLmL6());
    m.remove(EncoderModelContract.META_KIND);
    assertThatThrownBy(() -> EncoderModelContract.verifyMetadata(m, MANIFEST, "m.onnx"))
        .hasMessageContaining("recformer.kind = (missing), expected 'recformer-encoder'");

    Map<String, String> newer = metadata(RecformerConfig.miniLmL6());
    newer.put(EncoderModelContract.META_FORMAT_VERSION, "2");
    assertThatThrownBy(() -> EncoderModelContract.verifyMetadata(newer, MANIFEST, "m.onnx"))
        .hasMessageContaining("model format version 2; this library reads versions 1 to 1")
        .hasMessageContaining("upgrade the library");

    Map<String, String> noConfig = metadata(RecformerConfig.miniLmL6());
    noConfig.remove(EncoderModelContract.META_CONFIG);
    assertThatThrownBy(() -> EncoderModelContract.verifyMetadata(noConfig, MANIFEST, "m.onnx"))
        .hasMessageContaining("has no metadata recformer.config");
  }

  @Test
  void inputNamesFollowTheEncodedBatchOrder() {
    Assertions.assertThat(EncoderModelContract.INPUT_NAMES)
        .containsExactly(
            "input_ids",
            "token_type_ids",
            "position_ids",
            "item_position_ids",
            "attention_mask",
            "global_attention_mask");
    Assertions.assertThat(EncoderModelContract.OUTPUT_NAMES.get(0))
        .isEqualTo(List.of("pooled").get(0));
  }
}
