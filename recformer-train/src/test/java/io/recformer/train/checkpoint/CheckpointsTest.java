package io.recformer.train.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {

  private static RecformerConfig config() {
    return RecformerConfig.miniLmL6().toBuilder()
        .vocabSize(50)
        .hiddenSize(8)
        .numLayers(1)
        .numHeads(2)
        .intermediateSize(16)
        .maxPositions(40)
        .maxItems(4)
        .maxItemPositions(5)
        .maxTokens(32)
        .attentionWindow(8)
        .dropout(0)
        .pooling(Pooling.CLS)
        .build();
  }

  private static EncodedBatch batch() {
    int n = 10;
    int[] ids = new int[n];
    int[] types = new int[n];
    int[] pos = new int[n];
    int[] items = new int[n];
    int[] att = new int[n];
    int[] global = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i == 0 ? 1 : 5 + i;
      types[i] = i == 0 ? 0 : 2;
      pos[i] = i;
      items[i] = i == 0 ? 0 : 1;
      att[i] = 1;
    }
    global[0] = 1;
    return new EncodedBatch(1, n, ids, types, pos, items, att, global);
  }

  @Test
  void saveThenLoadGivesBitIdenticalOutputs(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(m, config(), 9)) {
      CheckpointManifest written =
          Checkpoints.save(
              dir.resolve("ckpt"),
              model,
              Checkpoints.manifest(model, "fp-1", 9, Map.of()).withTrainingState(12, 2, "stage1"));
      assertThat(written.weightsSha256()).isPresent();
      float[] expected;
      try (NDManager b = m.newSubManager()) {
        expected = model.encode(b, batch(), false).pooled().toFloatArray();
      }
      try (RecformerModel loaded = Checkpoints.load(dir.resolve("ckpt"), m);
          NDManager b = m.newSubManager()) {
        assertThat(loaded.encode(b, batch(), false).pooled().toFloatArray())
            .containsExactly(expected);
        assertThat(loaded.config()).isEqualTo(config());
      }
      Checkpoints.Loaded read = Checkpoints.read(dir.resolve("ckpt"));
      assertThat(read.manifest().step()).hasValue(12);
      assertThat(read.manifest().stage()).hasValue("stage1");
      assertThat(read.manifest().provenance().datasetFingerprint()).isEqualTo("fp-1");
    }
  }

  @Test
  void acceptsTheOriginalRecformerPrefixAndReportsMismatches(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(m, config(), 9)) {
      Map<String, WeightTensor> original = new LinkedHashMap<>();
      for (WeightTensor t : model.exportWeights()) {
        String name = t.name().startsWith("lm_head") ? t.name() : "longformer." + t.name();
        original.put(name, new WeightTensor(name, t.shape(), t.values()));
      }
      Path ckpt = dir.resolve("orig");
      Checkpoints.save(ckpt, original, Checkpoints.manifest(model, "none", 0, Map.of()));
      try (RecformerModel loaded = Checkpoints.load(ckpt, m)) {
        assertThat(loaded.exportWeightMap()).isEqualTo(model.exportWeightMap());
      }
      original.remove("longformer.embeddings.LayerNorm.bias");
      original.put(
          "longformer.extra.weight",
          new WeightTensor("longformer.extra.weight", new long[] {1}, new float[] {1}));
      Path broken = dir.resolve("broken");
      Checkpoints.save(broken, original, Checkpoints.manifest(model, "none", 0, Map.of()));
      assertThatThrownBy(() -> Checkpoints.load(broken, m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("1 missing, 1 unexpected")
          .hasMessageContaining("missing: embeddings.LayerNorm.bias")
          .hasMessageContaining("unexpected: extra.weight");
    }
  }

  @Test
  void aTamperedWeightsFileIsRejected(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(m, config(), 9)) {
      Path ckpt = dir.resolve("c");
      Checkpoints.save(ckpt, model, Checkpoints.manifest(model, "none", 0, Map.of()));
      Map<String, WeightTensor> other = new LinkedHashMap<>(model.exportWeightMap());
      SafeTensors.write(ckpt.resolve("model.safetensors"), other, Map.of("x", "y"));
      assertThatThrownBy(() -> Checkpoints.read(ckpt)).hasMessageContaining("model.safetensors");
      assertThat(Files.exists(ckpt.resolve("manifest.json"))).isTrue();
    }
  }
}
