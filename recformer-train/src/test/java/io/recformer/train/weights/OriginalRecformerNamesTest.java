package io.recformer.train.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OriginalRecformerNamesTest {

  private static WeightTensor t(String name, float... values) {
    return new WeightTensor(name, new long[] {values.length}, values);
  }

  private static Map<String, WeightTensor> of(WeightTensor... tensors) {
    Map<String, WeightTensor> m = new LinkedHashMap<>();
    for (WeightTensor t : tensors) {
      m.put(t.name(), t);
    }
    return m;
  }

  @Test
  void stripsTheLongformerPrefixAndKeepsOtherKeys() {
    assertThat(
            OriginalRecformerNames.map(
                "longformer.encoder.layer.3.attention.self.query_global.weight"))
        .isEqualTo("encoder.layer.3.attention.self.query_global.weight");
    assertThat(OriginalRecformerNames.map("longformer.embeddings.item_position_embeddings.weight"))
        .isEqualTo("embeddings.item_position_embeddings.weight");
    assertThat(OriginalRecformerNames.map("lm_head.dense.weight"))
        .isEqualTo("lm_head.dense.weight");
    assertThat(OriginalRecformerNames.map("embeddings.LayerNorm.bias"))
        .isEqualTo("embeddings.LayerNorm.bias");
  }

  @Test
  void dropsTiedDecoderCopiesThatEqualTheirTwins() {
    Map<String, WeightTensor> mapped =
        OriginalRecformerNames.toRecformerNames(
            of(
                t("longformer.embeddings.word_embeddings.weight", 1, 2, 3),
                t("lm_head.dense.bias", 4),
                t("lm_head.decoder.weight", 1, 2, 3),
                t("lm_head.decoder.bias", 5, 6),
                t("lm_head.bias", 5, 6)));
    assertThat(mapped.keySet())
        .containsExactly("embeddings.word_embeddings.weight", "lm_head.dense.bias", "lm_head.bias");
    assertThat(mapped.get("embeddings.word_embeddings.weight").name())
        .isEqualTo("embeddings.word_embeddings.weight");
    assertThat(mapped.get("lm_head.bias").values()).containsExactly(5, 6);
  }

  @Test
  void aDecoderBiasAloneBecomesTheHeadBias() {
    Map<String, WeightTensor> mapped =
        OriginalRecformerNames.toRecformerNames(of(t("lm_head.decoder.bias", 7, 8)));
    assertThat(mapped.keySet()).containsExactly("lm_head.bias");
    assertThat(mapped.get("lm_head.bias").values()).containsExactly(7, 8);
  }

  @Test
  void reportsUntiedOrOrphanDecoderTensors() {
    assertThatThrownBy(
            () ->
                OriginalRecformerNames.toRecformerNames(
                    of(
                        t("longformer.embeddings.word_embeddings.weight", 1, 2, 3),
                        t("lm_head.decoder.weight", 1, 2, 3.5f))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "checkpoint 'lm_head.decoder.weight' differs from the tied"
                + " 'embeddings.word_embeddings.weight' (max abs difference 0.500000); this model"
                + " ties them and cannot load an untied head");
    assertThatThrownBy(
            () ->
                OriginalRecformerNames.toRecformerNames(
                    of(t("lm_head.bias", 1, 2), t("lm_head.decoder.bias", 1))))
        .hasMessage(
            "checkpoint 'lm_head.decoder.bias' has shape [1] but the tied 'lm_head.bias' has [2]");
    assertThatThrownBy(
            () -> OriginalRecformerNames.toRecformerNames(of(t("lm_head.decoder.weight", 1))))
        .hasMessage(
            "checkpoint has 'lm_head.decoder.weight' but no 'embeddings.word_embeddings.weight' it"
                + " is tied to; this model stores the tied tensor only as"
                + " 'embeddings.word_embeddings.weight'");
  }

  @Test
  void rejectsTwoKeysForOneName() {
    assertThatThrownBy(
            () ->
                OriginalRecformerNames.toRecformerNames(
                    of(
                        t("longformer.embeddings.LayerNorm.bias", 1),
                        t("embeddings.LayerNorm.bias", 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "checkpoint keys 'longformer.embeddings.LayerNorm.bias' and 'embeddings.LayerNorm.bias'"
                + " both map to 'embeddings.LayerNorm.bias'; keep one of them");
  }
}
