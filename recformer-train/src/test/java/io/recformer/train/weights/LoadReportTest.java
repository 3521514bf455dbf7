package io.recformer.train.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.config.RecformerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadReportTest {

  /** A tiny config: 2 layers x 8, 2 heads, FFN 16, vocab 11, 20 positions. */
  private static final RecformerConfig TINY =
      RecformerConfig.miniLmL6().toBuilder()
          .vocabSize(11)
          .hiddenSize(8)
          .numHeads(2)
          .numLayers(2)
          .intermediateSize(16)
          .maxPositions(20)
          .maxTokens(20)
          .maxItems(5)
          .maxItemPositions(6)
          .build();

  private static Map<String, WeightTensor> zeros(Map<String, long[]> shapes) {
    Map<String, WeightTensor> m = new LinkedHashMap<>();
    shapes.forEach(
        (name, shape) -> {
          long n = 1;
          for (long d : shape) {
            n *= d;
          }
          m.put(name, new WeightTensor(name, shape, new float[(int) n]));
        });
    return m;
  }

  @Test
  void aCompleteSetIsClean() {
    Map<String, long[]> expected = RecformerWeightLayout.expectedShapes(TINY);
    assertThat(expected).hasSize(6 + 2 * 22 + 5);
    LoadReport report = LoadReport.compare(expected, zeros(expected));
    assertThat(report.isClean()).isTrue();
    assertThat(report.toString()).isEqualTo("weights match the model");
  }

  @Test
  void reportsMissingUnexpectedAndWrongShapesByName() {
    Map<String, long[]> expected = RecformerWeightLayout.expectedShapes(TINY);
    Map<String, WeightTensor> tensors = zeros(expected);
    tensors.remove("embeddings.item_position_embeddings.weight");
    tensors.remove("lm_head.bias");
    tensors.put(
        "embeddings.position_ids",
        new WeightTensor("embeddings.position_ids", new long[] {1, 20}, new float[20]));
    tensors.put(
        "pooler.dense.bias", new WeightTensor("pooler.dense.bias", new long[] {8}, new float[8]));
    tensors.put(
        "embeddings.position_embeddings.weight",
        new WeightTensor(
            "embeddings.position_embeddings.weight", new long[] {22, 8}, new float[176]));

    LoadReport report = LoadReport.compare(expected, tensors);
    assertThat(report.isClean()).isFalse();
    assertThat(report.missing())
        .containsExactly("embeddings.item_position_embeddings.weight", "lm_head.bias");
    assertThat(report.unexpected()).containsExactly("embeddings.position_ids", "pooler.dense.bias");
    assertThat(report.wrongShapes())
        .containsExactly(
            new LoadReport.ShapeMismatch(
                "embeddings.position_embeddings.weight", new long[] {20, 8}, new long[] {22, 8}));

    String full =
        """
        weights do not match the model: 2 missing, 2 unexpected, 1 with the wrong shape
          missing: embeddings.item_position_embeddings.weight [6, 8]
          missing: lm_head.bias [11]
          unexpected: embeddings.position_ids [1, 20]
          unexpected: pooler.dense.bias [8]
          wrong shape: embeddings.position_embeddings.weight is [22, 8], expected [20, 8]\
        """;
    assertThat(report.describe(expected, tensors)).isEqualTo(full);
    assertThatThrownBy(() -> LoadReport.requireExact(expected, tensors))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(full);
  }

  @Test
  void strictMatchingReturnsTensorsInLayoutOrder() {
    Map<String, long[]> expected = RecformerWeightLayout.expectedShapes(TINY);
    Map<String, WeightTensor> shuffled = new LinkedHashMap<>();
    List<String> names = List.copyOf(expected.keySet());
    for (int i = names.size() - 1; i >= 0; i--) {
      shuffled.put(
          names.get(i), zeros(Map.of(names.get(i), expected.get(names.get(i)))).get(names.get(i)));
    }
    assertThat(LoadReport.requireExact(expected, shuffled).keySet())
        .containsExactlyElementsOf(expected.keySet());
  }

  @Test
  void anOriginalCheckpointLoadsThroughSafetensorsAndTheNameMapping(@TempDir Path dir)
      throws Exception {
    // An original-style checkpoint: longformer.-prefixed encoder keys and the tied decoder copies.
    Map<String, long[]> expected = RecformerWeightLayout.expectedShapes(TINY);
    Map<String, WeightTensor> original = new LinkedHashMap<>();
    zeros(expected)
        .forEach(
            (name, t) -> {
              String key = name.startsWith("lm_head.") ? name : "longformer." + name;
              original.put(key, t.renamed(key));
            });
    original.put(
        "lm_head.decoder.weight",
        original
            .get("longformer.embeddings.word_embeddings.weight")
            .renamed("lm_head.decoder.weight"));
    original.put(
        "lm_head.decoder.bias", original.get("lm_head.bias").renamed("lm_head.decoder.bias"));
    Path file = dir.resolve("original.safetensors");
    SafeTensors.write(file, original, Map.of("source", "test"));

    Map<String, WeightTensor> mapped =
        OriginalRecformerNames.toRecformerNames(SafeTensors.read(file).tensors());
    assertThat(LoadReport.requireExact(expected, mapped)).hasSize(expected.size());
  }
}
