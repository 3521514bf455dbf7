package io.recformer.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigJsonTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Written independently of the record so that a reordering of fields is noticed. */
  private static final List<String> FIELD_ORDER =
      List.of(
          "vocabSize",
          "hiddenSize",
          "numLayers",
          "numHeads",
          "intermediateSize",
          "maxPositions",
          "positionOffset",
          "tokenTypes",
          "maxItems",
          "maxItemPositions",
          "maxAttributes",
          "maxAttributeTokens",
          "maxTokens",
          "attentionWindow",
          "layerNormEps",
          "hiddenDropout",
          "attentionDropout",
          "temperature",
          "mlmWeight",
          "pooling");

  @Test
  void roundTripsEveryPresetAndAModifiedConfig() throws Exception {
    RecformerConfig custom =
        RecformerConfig.miniLmL6().toBuilder()
            .pooling(Pooling.MEAN)
            .temperature(0.07)
            .layerNormEps(1e-12)
            .dropout(0)
            .maxTokens(256)
            .build();
    for (RecformerConfig c :
        List.of(
            RecformerConfig.longformerBase(),
            RecformerConfig.longformerMini(),
            RecformerConfig.miniLmL6(),
            custom)) {
      assertThat(ConfigJson.fromJson(ConfigJson.toJson(c), "test")).isEqualTo(c);
    }
  }

  @Test
  void writesFieldsInDeclarationOrderWithLocaleIndependentNumbers() throws Exception {
    // Surefire runs with the Turkish default locale; numbers must still use '.'.
    assertThat(Locale.getDefault().getLanguage()).isEqualTo("tr");
    String json = ConfigJson.toJson(RecformerConfig.longformerBase());
    List<String> names = MAPPER.readTree(json).properties().stream().map(e -> e.getKey()).toList();
    assertThat(names).containsExactlyElementsOf(FIELD_ORDER);
    assertThat(json)
        .startsWith("{\n  \"vocabSize\": 50265,\n  \"hiddenSize\": 768,\n")
        .contains("\"layerNormEps\": 1.0E-5,\n")
        .contains("\"temperature\": 0.05,\n")
        .endsWith("  \"pooling\": \"CLS\"\n}\n");
  }

  @Test
  void reportsMissingUnknownMistypedAndInvalidFields() throws Exception {
    String source = "/path/manifest.json";
    ObjectNode good = (ObjectNode) MAPPER.readTree(ConfigJson.toJson(RecformerConfig.miniLmL6()));

    ObjectNode missing = good.deepCopy();
    missing.remove("hiddenSize");
    assertThatThrownBy(() -> ConfigJson.fromJson(missing.toString(), source))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessage("config field 'hiddenSize' missing in /path/manifest.json");

    ObjectNode unknown = good.deepCopy();
    unknown.put("hiddenSiz", 384);
    assertThatThrownBy(() -> ConfigJson.fromJson(unknown.toString(), source))
        .hasMessageStartingWith(
            "unknown config field 'hiddenSiz' in /path/manifest.json "
                + "(known fields: vocabSize, hiddenSize, ");

    ObjectNode text = good.deepCopy();
    text.put("hiddenSize", "384");
    assertThatThrownBy(() -> ConfigJson.fromJson(text.toString(), source))
        .hasMessage(
            "config field 'hiddenSize' in /path/manifest.json is \"384\" (a string), expected an"
                + " integer in [-2^31, 2^31)");

    ObjectNode fraction = good.deepCopy();
    fraction.put("numLayers", 6.5);
    assertThatThrownBy(() -> ConfigJson.fromJson(fraction.toString(), source))
        .hasMessageContaining("field 'numLayers' in /path/manifest.json is 6.5 (a number)");

    ObjectNode pooling = good.deepCopy();
    pooling.put("pooling", "AVG");
    assertThatThrownBy(() -> ConfigJson.fromJson(pooling.toString(), source))
        .hasMessage(
            "config field 'pooling' in /path/manifest.json is \"AVG\" (a string), expected one of"
                + " CLS, MEAN");

    ObjectNode invalid = good.deepCopy();
    invalid.put("numHeads", 7);
    assertThatThrownBy(() -> ConfigJson.fromJson(invalid.toString(), source))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessage(
            "invalid config in /path/manifest.json: hiddenSize = 384 must be a multiple"
                + " of numHeads = 7");

    ObjectNode nullValue = good.deepCopy();
    nullValue.putNull("maxTokens");
    assertThatThrownBy(() -> ConfigJson.fromJson(nullValue.toString(), source))
        .hasMessage("config field 'maxTokens' missing in /path/manifest.json");

    assertThatThrownBy(() -> ConfigJson.fromJson("[1, 2]", source))
        .hasMessage("config in /path/manifest.json is an array, expected a JSON object");
  }

  @Test
  void filesRoundTrip(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("config.json");
    RecformerConfig c = RecformerConfig.longformerMini();
    ConfigJson.write(file, c);
    assertThat(ConfigJson.read(file)).isEqualTo(c);
    assertThat(dir).isDirectoryContaining(p -> p.getFileName().toString().equals("config.json"));
    try (var files = Files.list(dir)) {
      assertThat(files.count()).as("no temporary file left").isEqualTo(1);
    }
  }
}
