package io.recformer.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RecformerConfigTest {

  @Test
  void presetsMatchTheReference() {
    RecformerConfig base = RecformerConfig.longformerBase();
    assertThat(base.hiddenSize()).isEqualTo(768);
    assertThat(base.numLayers()).isEqualTo(12);
    assertThat(base.vocabSize()).isEqualTo(50265);
    assertThat(base.maxPositions()).isEqualTo(4098);
    assertThat(base.positionOffset()).isEqualTo(2);
    assertThat(base.maxTokens()).isEqualTo(1024);
    assertThat(base.layerNormEps()).isEqualTo(1e-5);

    RecformerConfig mini = RecformerConfig.miniLmL6();
    assertThat(mini.hiddenSize()).isEqualTo(384);
    assertThat(mini.headSize()).isEqualTo(32);
    assertThat(mini.intermediateSize()).isEqualTo(1536);
    assertThat(mini.maxPositions()).isEqualTo(512);
    assertThat(mini.positionOffset()).isZero();
    assertThat(mini.layerNormEps()).isEqualTo(1e-12);

    for (RecformerConfig c : new RecformerConfig[] {base, mini, RecformerConfig.longformerMini()}) {
      assertThat(c.tokenTypes()).isEqualTo(4);
      assertThat(c.maxItems()).isEqualTo(50);
      assertThat(c.maxAttributes()).isEqualTo(3);
      assertThat(c.maxAttributeTokens()).isEqualTo(32);
      assertThat(c.attentionWindow()).isEqualTo(64);
      assertThat(c.oneSidedWindow()).isEqualTo(32);
      assertThat(c.temperature()).isEqualTo(0.05);
      assertThat(c.mlmWeight()).isEqualTo(0.1);
      assertThat(c.pooling()).isEqualTo(Pooling.CLS);
    }
    assertThat(RecformerConfig.preset("MiniLM-L6")).isEqualTo(mini);
  }

  @Test
  void builderChangesOneFieldAndRevalidates() {
    RecformerConfig c = RecformerConfig.miniLmL6().toBuilder().maxTokens(256).dropout(0).build();
    assertThat(c.maxTokens()).isEqualTo(256);
    assertThat(c.hiddenDropout()).isZero();
    assertThat(c.attentionDropout()).isZero();
    assertThat(c.hiddenSize()).isEqualTo(384);
  }

  @Test
  void invalidValuesNameFieldValueAndRange() {
    RecformerConfig.Builder b = RecformerConfig.miniLmL6().toBuilder();
    assertThatThrownBy(() -> b.hiddenSize(100).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hiddenSize = 100 must be a multiple of numHeads = 12");
    assertThatThrownBy(() -> RecformerConfig.miniLmL6().toBuilder().maxTokens(1024).build())
        .hasMessage("maxPositions = 512 is out of range: must be >= 1024");
    assertThatThrownBy(() -> RecformerConfig.miniLmL6().toBuilder().attentionWindow(63).build())
        .hasMessageContaining("attentionWindow = 63 must be even");
    assertThatThrownBy(() -> RecformerConfig.miniLmL6().toBuilder().temperature(0).build())
        .hasMessage("temperature = 0.0 is out of range: must be in (0.0, 100.0)");
    assertThatThrownBy(() -> RecformerConfig.miniLmL6().toBuilder().hiddenDropout(1.0).build())
        .hasMessage("hiddenDropout = 1.0 is out of range: must be in [0, 1)");
    assertThatThrownBy(() -> RecformerConfig.miniLmL6().toBuilder().maxItemPositions(50).build())
        .hasMessage("maxItemPositions = 50 is out of range: must be >= 51");
    assertThatThrownBy(() -> RecformerConfig.miniLmL6().toBuilder().tokenTypes(2).build())
        .hasMessage("tokenTypes = 2 is out of range: must be >= 4");
    assertThatThrownBy(() -> RecformerConfig.preset("bert-large"))
        .hasMessageContaining("unknown config preset 'bert-large'");
  }

  @Test
  void numbersInMessagesIgnoreTheDefaultLocale() {
    // Surefire runs with a Turkish default locale; a decimal comma here would be a locale bug.
    assertThatThrownBy(() -> RecformerConfig.miniLmL6().toBuilder().hiddenDropout(1.5).build())
        .hasMessageContaining("1.5");
  }
}
