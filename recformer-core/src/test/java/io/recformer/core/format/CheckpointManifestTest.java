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
    root.put("formatVersion", 2);
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> CheckpointManifest.read(dir))
        .hasMessageStartingWith(
            manifestFile
                + " has format version 2; this library reads version 1: it was written by a newer"
                + " recformer, upgrade the library");

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
