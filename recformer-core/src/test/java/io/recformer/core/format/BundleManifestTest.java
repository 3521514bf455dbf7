package io.recformer.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.RecformerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleManifestTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;
  private Path manifestFile;

  @BeforeEach
  void bundleFiles() throws Exception {
    Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 3});
    Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\"}");
    manifestFile = dir.resolve("manifest.json");
  }

  private static BundleManifest manifest() {
    return BundleManifest.of(
        RecformerConfig.miniLmL6(),
        List.of("embedding", "last_hidden"),
        384,
        ProvenanceTest.fixed());
  }

  /** Writes a valid manifest, lets {@code edit} change its JSON, and stores the result. */
  private void writeEdited(Consumer<ObjectNode> edit) throws Exception {
    manifest().write(dir);
    ObjectNode root = (ObjectNode) MAPPER.readTree(manifestFile.toFile());
    edit.accept(root);
    Files.writeString(manifestFile, root.toString());
  }

  @Test
  void roundTripsWithAndWithoutHashes() throws Exception {
    BundleManifest plain = manifest();
    plain.write(dir);
    assertThat(BundleManifest.read(dir)).isEqualTo(plain);
    assertThat(BundleManifest.read(manifestFile)).isEqualTo(plain);

    BundleManifest hashed = plain.withHashes(dir);
    // SHA-256 of the bytes 01 02 03 (an independent value, e.g. from `sha256sum`).
    assertThat(hashed.modelSha256())
        .contains("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81");
    hashed.write(dir);
    assertThat(BundleManifest.read(dir)).isEqualTo(hashed);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("atomic write leaves no temporary file")
          .containsExactlyInAnyOrder("model.onnx", "tokenizer.json", "manifest.json");
    }
  }

  private static BundleQuantization int8() {
    return new BundleQuantization(
        BundleQuantization.Scheme.INT8_DYNAMIC,
        BundleQuantization.Granularity.PER_CHANNEL,
        29,
        List.of("encoder.layer.0.output.dense"),
        256,
        2.0,
        984);
  }

  @Test
  void aQuantizedManifestIsVersion2AndRoundTrips() throws Exception {
    BundleManifest quantized = manifest().withQuantization(int8()).withHashes(dir);
    quantized.write(dir);
    String json = Files.readString(manifestFile, StandardCharsets.UTF_8);
    assertThat(json)
        .startsWith("{\n  \"formatVersion\": 2,\n")
        .contains(
            """
              "quantization": {
                "scheme": "int8-dynamic",
                "weightGranularity": "per-channel",
                "quantizedLayers": 29,
                "float32Layers": [
                  "encoder.layer.0.output.dense"
                ],
                "calibrationSequences": 256,
                "outlierThreshold": 2.0,
                "outlierChannels": 984
              }
            }
            """);
    assertThat(BundleManifest.read(dir)).isEqualTo(quantized);
    assertThat(quantized.formatVersion()).isEqualTo(2);
    assertThat(quantized.quantization().orElseThrow().summary())
        .isEqualTo(
            "int8-dynamic, per-channel weights, 29 int8 layers, 1 float32 layers"
                + " [encoder.layer.0.output.dense], 984 float32 outlier channels (threshold 2.0 x"
                + " median, 256 calibration sequences)");
  }

  @Test
  void aFloat32ManifestStaysVersion1SoOlderReadersReadIt() throws Exception {
    manifest().write(dir);
    assertThat(Files.readString(manifestFile)).startsWith("{\n  \"formatVersion\": 1,\n");
    assertThat(BundleManifest.read(dir).quantization()).isEmpty();
    // An explicit null in version 2 means "not quantized", as for every optional field.
    writeEdited(
        root -> {
          root.put("formatVersion", 2);
          root.putNull("quantization");
        });
    assertThat(BundleManifest.read(dir)).isEqualTo(manifest());
  }

  @Test
  void quantizationIsAVersion2FieldAndIsValidated() throws Exception {
    manifest().withQuantization(int8()).write(dir);
    ObjectNode root = (ObjectNode) MAPPER.readTree(manifestFile.toFile());
    root.put("formatVersion", 1);
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageStartingWith("unknown bundle manifest field 'quantization' in " + manifestFile);

    root.put("formatVersion", 2);
    ((ObjectNode) root.get("quantization")).put("quantizedLayers", 0);
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessage(
            "invalid quantization in "
                + manifestFile
                + ": quantizedLayers = 0 is out of range: a quantized model has >= 1 int8 layer");

    ((ObjectNode) root.get("quantization")).put("quantizedLayers", 29);
    ((ObjectNode) root.get("quantization")).put("weightGranularity", "per-row");
    Files.writeString(manifestFile, root.toString());
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage(
            "invalid quantization in "
                + manifestFile
                + ": weightGranularity = 'per-row' is unknown; known: [per-tensor, per-channel]");

    assertThatThrownBy(
            () ->
                new BundleQuantization(
                    BundleQuantization.Scheme.INT8_DYNAMIC,
                    BundleQuantization.Granularity.PER_TENSOR,
                    3,
                    List.of(),
                    0,
                    2.0,
                    0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "outlierThreshold = 2.0, outlierChannels = 0: with calibration the threshold must be >"
                + " 1 and the channels >= 0, without (calibrationSequences = 0) both 0");
  }

  @Test
  void writesAStableLayout() throws Exception {
    manifest().withHashes(dir).write(dir);
    String json = Files.readString(manifestFile, StandardCharsets.UTF_8);
    assertThat(json)
        .startsWith(
            "{\n  \"formatVersion\": 1,\n  \"kind\": \"recformer-onnx-bundle\","
                + "\n  \"config\": {\n    \"vocabSize\": 30522,\n")
        .endsWith("}\n")
        .doesNotContain("\r");
    List<String> names = MAPPER.readTree(json).properties().stream().map(e -> e.getKey()).toList();
    assertThat(names)
        .containsExactly(
            "formatVersion",
            "kind",
            "config",
            "modelFile",
            "tokenizerFile",
            "outputNames",
            "outputDimension",
            "provenance",
            "modelSha256",
            "tokenizerSha256");
    assertThat(json).contains("\"createdAt\": \"2026-11-27T08:00:00.125Z\"");
    assertThat(manifest().withHashes(dir).toJson()).isEqualTo(json);
  }

  @Test
  void rejectsAMissingManifest() {
    Path empty = dir.resolve("nothing-here");
    assertThatThrownBy(() -> BundleManifest.read(empty))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessage(empty.resolve("manifest.json") + ": missing bundle manifest");
  }

  @Test
  void rejectsMalformedJsonWithLineAndColumn() throws Exception {
    Files.writeString(manifestFile, "{\n  \"formatVersion\": 1,\n  \"kind\" \"x\"\n}\n");
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageStartingWith(manifestFile + " is not valid JSON at line 3, column 10: ");

    Files.writeString(manifestFile, "{\"kind\": \"a\", \"kind\": \"b\"}");
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessageStartingWith(manifestFile + " is not valid JSON at line 1, column ")
        .hasMessageContaining("Duplicate field 'kind'");

    Files.write(manifestFile, new byte[] {'{', '"', 'k', (byte) 0xC3, '"', ':', '1', '}'});
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessageStartingWith(manifestFile + " is not valid JSON at line 1, column ");

    Files.writeString(manifestFile, "{} {}");
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessageStartingWith(manifestFile + " is not valid JSON at line 1, column 4");

    Files.writeString(manifestFile, "  ");
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage(manifestFile + " is empty, expected a JSON object");
  }

  @Test
  void rejectsAnotherKind() throws Exception {
    CheckpointManifest.of(RecformerConfig.miniLmL6(), ProvenanceTest.fixed()).write(dir);
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessage(
            manifestFile
                + " has kind 'recformer-checkpoint', expected"
                + " 'recformer-onnx-bundle' (a bundle manifest)");
  }

  @Test
  void rejectsUnknownFormatVersions() throws Exception {
    writeEdited(
        root -> {
          root.put("formatVersion", 7);
          root.put("aFieldFromTheFuture", true);
        });
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageStartingWith(
            manifestFile
                + " has format version 7; this library reads"
                + " version 2: it was written by a newer recformer, upgrade the library (this is ");

    writeEdited(root -> root.put("formatVersion", 0));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage(
            manifestFile
                + " has format version 0; versions start at 1 and this library reads version 2");

    writeEdited(root -> root.put("formatVersion", "1"));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage(
            "bundle manifest field"
                + " 'formatVersion' in "
                + manifestFile
                + " is \"1\" (a string), expected an integer in"
                + " [-2^31, 2^31)");
  }

  @Test
  void rejectsMissingAndUnknownFieldsByName() throws Exception {
    writeEdited(root -> ((ObjectNode) root.get("config")).remove("hiddenSize"));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage("config field 'hiddenSize' missing in " + manifestFile);

    writeEdited(root -> root.remove("outputDimension"));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage("bundle manifest field 'outputDimension' missing in " + manifestFile);

    writeEdited(root -> root.remove("kind"));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage("bundle manifest field 'kind' missing in " + manifestFile);

    writeEdited(root -> ((ObjectNode) root.get("provenance")).remove("seed"));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage("provenance field 'seed' missing in " + manifestFile);

    writeEdited(root -> ((ObjectNode) root.get("provenance")).put("createdAt", "yesterday"));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessageStartingWith(
            "provenance field 'createdAt' in "
                + manifestFile
                + " is 'yesterday', expected an"
                + " ISO-8601 UTC time");

    writeEdited(root -> root.put("modelSha", "abc"));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage(
            "unknown bundle manifest"
                + " field 'modelSha' in "
                + manifestFile
                + " (known fields: kind, formatVersion, config, modelFile, tokenizerFile,"
                + " outputNames, outputDimension, provenance, modelSha256, tokenizerSha256)");
  }

  @Test
  void rejectsInvalidValues() throws Exception {
    writeEdited(root -> root.put("outputDimension", 0));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage(
            "invalid bundle manifest in "
                + manifestFile
                + ": outputDimension = 0 is out of range: must be >= 1");

    writeEdited(root -> root.put("modelFile", "../elsewhere/model.onnx"));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage(
            "invalid bundle manifest in "
                + manifestFile
                + ": modelFile = '../elsewhere/model.onnx' must be a plain file name"
                + " inside the artifact directory");

    writeEdited(root -> root.put("modelSha256", "ABC"));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .hasMessage(
            "invalid bundle manifest in "
                + manifestFile
                + ": modelSha256 = 'ABC' is not a SHA-256: expected 64 lower-case hex"
                + " digits");

    assertThatThrownBy(
            () ->
                BundleManifest.of(
                    RecformerConfig.miniLmL6(), List.of("a", "a"), 4, ProvenanceTest.fixed()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("outputNames = [a, a] must be a non-empty list of distinct, non-blank names");
  }

  @Test
  void verifiesFilesAndHashes() throws Exception {
    BundleManifest hashed = manifest().withHashes(dir);
    hashed.write(dir);
    String recorded = hashed.modelSha256().orElseThrow();
    Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 4});
    String actual = FileHashes.sha256(dir.resolve("model.onnx"));
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessage(
            dir.resolve("model.onnx")
                + " does not match "
                + manifestFile
                + ": its sha256 is "
                + actual
                + ", the manifest records "
                + recorded
                + " (the file was changed or corrupted after the manifest was written)");

    Files.delete(dir.resolve("tokenizer.json"));
    manifest().write(dir);
    assertThatThrownBy(() -> BundleManifest.read(dir))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessage(dir.resolve("tokenizer.json") + ": missing file named in " + manifestFile);
    assertThat(hashed.tokenizerSha256()).isNotEqualTo(Optional.empty());
  }
}
