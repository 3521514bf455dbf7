package io.recformer.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.RecformerConfig;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointManifestTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;

  private static CheckpointManifest manifest() {
    return CheckpointManifest.of(RecformerConfig.longformerMini(), ProvenanceTest.fixed());
  }

  @Test
  void roundTripsWithAndWithoutTrainingState() throws Exception {
    Files.write(dir.resolve("model.safetensors"), new byte[] {0, 0, 0, 0, 0, 0, 0, 2, '{', '}'});
    CheckpointManifest bare = manifest();
    bare.write(dir);
    assertThat(CheckpointManifest.read(dir)).isEqualTo(bare);
    assertThat(Files.readString(dir.resolve("manifest.json")))
        .doesNotContain("\"step\"", "\"metrics\"", "\"weightsSha256\"");

    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("Recall@10", 0.25);
    metrics.put("NDCG@10", 0.125);
    CheckpointManifest full =
        bare.withTrainingState(12_345L, 3, "finetune-stage2").withMetrics(metrics).withHash(dir);
    full.write(dir);
    CheckpointManifest read = CheckpointManifest.read(dir);
    assertThat(read).isEqualTo(full);
    assertThat(read.step()).hasValue(12_345L);
    assertThat(read.epoch()).hasValue(3);
    assertThat(read.stage()).contains("finetune-stage2");
    assertThat(read.metrics().keySet()).containsExactly("Recall@10", "NDCG@10");
    List<String> names =
        MAPPER.readTree(dir.resolve("manifest.json").toFile()).properties().stream()
            .map(e -> e.getKey())
            .toList();
    assertThat(names)
        .containsExactly(
            "formatVersion",
            "kind",
            "config",
            "weightsFile",
            "provenance",
            "weightsSha256",
            "step",
            "epoch",
            "stage",
            "metrics");
  }

  @Test
  void rejectsBundlesVersionsAndBadFields() throws Exception {
    Files.write(dir.resolve("model.onnx"), new byte[] {1});
    Files.write(dir.resolve("tokenizer.json"), new byte[] {2});
    Path manifestFile = dir.resolve("manifest.json");
    BundleManifest.of(RecformerConfig.miniLmL6(), List.of("embedding"), 384, ProvenanceTest.fixed())
        .write(dir);
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessage(
            manifestFile
                + " has kind 'recformer-onnx-bundle', expected"
                + " 'recformer-checkpoint' (a checkpoint manifest)");

    Files.write(dir.resolve("model.safetensors"), new byte[] {3});
    manifest().write(dir);
    ObjectNode root = (ObjectNode) MAPPER.readTree(manifestFile.toFile());
    root.put("formatVersion", 3);
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .hasMessageStartingWith(
            manifestFile
                + " has format version 3; this library reads version 2: it was written by a newer"
                + " recformer, upgrade the library");

    root.put("formatVersion", 2);
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .hasMessage(
            manifestFile
                + " has format version 2 without a 'base': version 1 holds every tensor, version 2"
                + " names its base");

    root.put("formatVersion", 1);
    root.put("step", -1);
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .hasMessage("invalid checkpoint manifest in " + manifestFile + ": step = -1 must be >= 0");

    root.put("step", 10);
    root.putObject("metrics").put("MRR", "high");
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .hasMessage(
            "checkpoint manifest field 'metrics.MRR' in "
                + manifestFile
                + " is \"high\" (a string), expected a number");

    root.remove("metrics");
    root.remove("weightsFile");
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .hasMessage("checkpoint manifest field 'weightsFile' missing in " + manifestFile);
  }

  @Test
  void aBaseIsVersion2AndRoundTrips() throws Exception {
    Files.write(dir.resolve("model.safetensors"), new byte[] {4, 5});
    Map<String, String> tensors = new LinkedHashMap<>();
    tensors.put("embeddings.word_embeddings.weight", "ab".repeat(32));
    tensors.put("embeddings.token_type_embeddings.weight", "cd".repeat(32));
    CheckpointManifest slim =
        manifest().withBase(new CheckpointBase("minilm", 7, tensors)).withHash(dir);
    slim.write(dir);
    Path manifestFile = dir.resolve("manifest.json");
    ObjectNode root = (ObjectNode) MAPPER.readTree(manifestFile.toFile());
    assertThat(root.get("formatVersion").intValue()).isEqualTo(2);
    assertThat(root.get("base").get("seed").longValue()).isEqualTo(7);
    CheckpointManifest read = CheckpointManifest.read(dir);
    assertThat(read).isEqualTo(slim);
    assertThat(read.base().orElseThrow().tensorSha256().keySet())
        .containsExactly(
            "embeddings.word_embeddings.weight", "embeddings.token_type_embeddings.weight");

    root.put("formatVersion", 1);
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .hasMessage(
            manifestFile
                + " has format version 1 with a 'base': version 1 holds every tensor, version 2"
                + " names its base");

    root.put("formatVersion", 2);
    ((ObjectNode) root.get("base").get("tensors")).put("pooler.dense.bias", "not a hash");
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining("base.tensors.pooler.dense.bias = 'not a hash' is not a SHA-256");
    assertThatThrownBy(() -> new CheckpointBase("minilm", 1, Map.of()))
        .hasMessageContaining("a checkpoint with none needs no base");
  }

  @Test
  void verifiesTheWeightsFile() throws Exception {
    Path weights = dir.resolve("model.safetensors");
    Files.write(weights, new byte[] {9, 9});
    manifest().withHash(dir).write(dir);
    Files.write(weights, new byte[] {9, 8});
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageStartingWith(
            weights
                + " does not match "
                + dir.resolve("manifest.json")
                + ": its sha256 is "
                + FileHashes.sha256(weights)
                + ", the manifest records ");
    Files.delete(weights);
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessage(weights + ": missing file named in " + dir.resolve("manifest.json"));
  }
}
