package io.recformer.train.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.BundleArchive;
import io.recformer.core.format.BundleManifest;
import io.recformer.core.format.EncoderModelContract;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny bundle committed under {@code recformer-infer/src/test/resources/bundles}
 * (recformer-infer cannot depend on this module to export one itself): regenerated here from a
 * fixed seed, it must equal the committed bytes, and the DJL vectors stored next to it must still
 * be what the DJL model computes and what ONNX Runtime computes from the committed model.
 *
 * <p>To regenerate after an intended change of the exporter or formats: {@code mvn -o -pl
 * recformer-train -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=TinyBundleTest
 * -Drecformer.regenerateBundles=true}
 */
class TinyBundleTest {

  static final long SEED = 2026;
  static final String DIR = "tiny";
  static final String ARCHIVE = "tiny-bundle.zip";
  static final String EXPECTED = "tiny-expected.json";

  /**
   * 2 layers x 16, 2 heads, window 8 (chunks of 4), over the 40-token WordPiece test vocabulary.
   */
  static RecformerConfig config() {
    return RecformerConfig.miniLmL6().toBuilder()
        .vocabSize(40)
        .hiddenSize(16)
        .numLayers(2)
        .numHeads(2)
        .intermediateSize(32)
        .maxPositions(64)
        .positionOffset(0)
        .maxItems(8)
        .maxItemPositions(9)
        .maxAttributes(3)
        .maxAttributeTokens(8)
        .maxTokens(48)
        .attentionWindow(8)
        .layerNormEps(1e-5)
        .dropout(0)
        .pooling(Pooling.CLS)
        .build();
  }

  static List<Item> items() {
    return List.of(
        Item.of("i1", "title", "Gorilla wood glue", "brand", "Gorilla", "category", "tools & home"),
        Item.of("i2", "title", "IKEA desk lamps", "brand", "IKEA", "category", "home & kitchen"),
        Item.of("i3", "title", "Red pencil set of 10", "category", "office"),
        Item.of("i4", "title", "Black ink pen", "brand", "Pen", "category", "office"),
        Item.of("i5", "title", "Lab glass beaker", "category", "scientific"),
        Item.of(
            "i6",
            "title",
            "Blue notebook paper, 10 - black",
            "brand",
            "IKEA",
            "category",
            "office"));
  }

  /** Histories as item indices, oldest first; the last is longer than maxTokens (truncated). */
  static int[][] histories() {
    return new int[][] {{0}, {0, 1, 2}, {3, 4, 5, 0, 1}, {5, 4, 3, 2, 1, 0, 5, 4}};
  }

  static Path repoRoot() {
    String root = System.getProperty("recformer.repo.root");
    return Path.of(root == null ? ".." : root);
  }

  static Path committed() {
    return repoRoot().resolve("recformer-infer/src/test/resources/bundles");
  }

  static Path tokenizerSource() {
    return repoRoot().resolve("recformer-core/src/test/resources/tokenizers/tiny-wordpiece.json");
  }

  /** Writes the bundle directory, the archive and the expected vectors into {@code out}. */
  static void generate(Path out) throws IOException {
    RecformerConfig config = config();
    try (NDManager root = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(root, config, SEED)) {
      Map<String, WeightTensor> weights =
          ExportFixtures.randomWeights(model.parameterShapes(), SEED, 0.3);
      model.loadWeights(weights);
      OnnxExporter.writeBundle(
          model, tokenizerSource(), ExportFixtures.fixedProvenance(SEED), out.resolve(DIR));
      OnnxExporter.writeArchive(
          model, tokenizerSource(), ExportFixtures.fixedProvenance(SEED), out.resolve(ARCHIVE));
      Files.writeString(out.resolve(EXPECTED), expectedJson(model), StandardCharsets.UTF_8);
    }
  }

  /** Items with their attributes, histories, and the DJL model's normalized vectors. */
  private static String expectedJson(RecformerModel model) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put(
        "note",
        "DJL vectors (L2-normalized pooled outputs) of the tiny bundle; regenerate"
            + " with TinyBundleTest in recformer-train");
    List<Item> items = items();
    try (RecformerTokenizer tokenizer =
        RecformerTokenizer.open(tokenizerSource(), model.config())) {
      float[][] itemVectors = djlVectors(model, tokenizer, tokenizer.encodeItems(items));
      ArrayNode itemArray = root.putArray("items");
      for (int i = 0; i < items.size(); i++) {
        ObjectNode node = itemArray.addObject();
        node.put("id", items.get(i).id());
        ArrayNode attributes = node.putArray("attributes");
        for (ItemAttribute a : items.get(i).attributes()) {
          attributes.addArray().add(a.key()).add(a.value());
        }
        vector(node.putArray("vector"), itemVectors[i]);
      }
      List<EncodedSequence> sequences = new ArrayList<>();
      for (int[] h : histories()) {
        List<Item> history = new ArrayList<>();
        for (int index : h) {
          history.add(items.get(index));
        }
        sequences.add(tokenizer.encodeHistory(history));
      }
      float[][] historyVectors = djlVectors(model, tokenizer, sequences);
      ArrayNode historyArray = root.putArray("histories");
      for (int i = 0; i < historyVectors.length; i++) {
        ObjectNode node = historyArray.addObject();
        ArrayNode ids = node.putArray("items");
        for (int index : histories()[i]) {
          ids.add(items.get(index).id());
        }
        node.put("tokens", sequences.get(i).length());
        vector(node.putArray("vector"), historyVectors[i]);
      }
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
  }

  private static void vector(ArrayNode array, float[] v) {
    for (float x : v) {
      array.add(x);
    }
  }

  static float[][] djlVectors(
      RecformerModel model, RecformerTokenizer tokenizer, List<EncodedSequence> sequences) {
    EncodedBatch batch =
        BatchCollator.unrounded(model.config(), tokenizer.padId()).collate(sequences);
    float[] pooled = ExportFixtures.djl(model, batch).pooled();
    int d = model.config().hiddenSize();
    float[][] out = new float[sequences.size()][d];
    for (int r = 0; r < out.length; r++) {
      double norm = 0;
      for (int k = 0; k < d; k++) {
        norm += (double) pooled[r * d + k] * pooled[r * d + k];
      }
      norm = Math.sqrt(norm);
      for (int k = 0; k < d; k++) {
        out[r][k] = (float) (pooled[r * d + k] / norm);
      }
    }
    return out;
  }

  @Test
  void committedBundleEqualsTheRegeneratedOne(@TempDir Path temp) throws IOException {
    if (Boolean.getBoolean("recformer.regenerateBundles")) {
      Files.createDirectories(committed());
      AtomicFiles.deleteRecursively(committed().resolve(DIR));
      generate(committed());
    }
    generate(temp);
    String hint =
        " differs from the regenerated one: if the exporter or a format changed on"
            + " purpose, regenerate with -Dtest=TinyBundleTest -Drecformer.regenerateBundles=true";
    for (String file :
        List.of(
            DIR + "/" + BundleManifest.DEFAULT_MODEL_FILE,
            DIR + "/" + BundleManifest.DEFAULT_TOKENIZER_FILE,
            DIR + "/" + BundleManifest.FILE_NAME,
            ARCHIVE)) {
      assertThat(Files.readAllBytes(committed().resolve(file)))
          .as("committed " + file + hint)
          .isEqualTo(Files.readAllBytes(temp.resolve(file)));
    }
    // Vectors are floats from a native engine: compared with a tolerance, not as bytes.
    JsonNode expected = new ObjectMapper().readTree(committed().resolve(EXPECTED).toFile());
    JsonNode actual = new ObjectMapper().readTree(temp.resolve(EXPECTED).toFile());
    for (String section : List.of("items", "histories")) {
      assertThat(actual.get(section).size()).isEqualTo(expected.get(section).size());
      for (int i = 0; i < actual.get(section).size(); i++) {
        JsonNode a = actual.get(section).get(i).get("vector");
        JsonNode e = expected.get(section).get(i).get("vector");
        for (int k = 0; k < a.size(); k++) {
          assertThat(a.get(k).asDouble())
              .as(section + " " + i + EXPECTED + hint)
              .isCloseTo(e.get(k).asDouble(), within(1e-6));
        }
      }
    }
  }

  @Test
  void committedBundleRunByOnnxRuntimeEqualsDjl(@TempDir Path temp) throws Exception {
    BundleManifest manifest = BundleArchive.extract(committed().resolve(ARCHIVE), temp);
    assertThat(manifest.config()).isEqualTo(config());
    byte[] onnx = Files.readAllBytes(temp.resolve(manifest.modelFile()));
    Map<String, String> metadata = new LinkedHashMap<>();
    OnnxMl.ModelProto.parseFrom(onnx)
        .getMetadataPropsList()
        .forEach(e -> metadata.put(e.getKey(), e.getValue()));
    EncoderModelContract.verifyMetadata(metadata, manifest, manifest.modelFile());
    assertThat(metadata).containsEntry(EncoderModelContract.META_OPSET, "17");

    RecformerConfig config = config();
    try (NDManager root = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(root, config, SEED);
        OrtSession session = ExportFixtures.session(onnx, 1);
        RecformerTokenizer tokenizer =
            RecformerTokenizer.open(temp.resolve(manifest.tokenizerFile()), config)) {
      model.loadWeights(ExportFixtures.randomWeights(model.parameterShapes(), SEED, 0.3));
      List<EncodedSequence> sequences = new ArrayList<>(tokenizer.encodeItems(items()));
      for (int[] h : histories()) {
        List<Item> history = new ArrayList<>();
        for (int index : h) {
          history.add(items().get(index));
        }
        sequences.add(tokenizer.encodeHistory(history));
      }
      EncodedBatch batch = BatchCollator.unrounded(config, tokenizer.padId()).collate(sequences);
      assertThat(batch.length()).as("the longest history fills maxTokens").isEqualTo(48);
      ExportFixtures.Outputs djl = ExportFixtures.djl(model, batch);
      ExportFixtures.Outputs ort = ExportFixtures.ort(session, batch);
      assertThat(ExportFixtures.maxDiff(djl.pooled(), ort.pooled())).isLessThanOrEqualTo(1e-4);
      assertThat(
              ExportFixtures.maxHiddenDiff(
                  djl.hiddenStates(), ort.hiddenStates(), batch, config.hiddenSize()))
          .isLessThanOrEqualTo(1e-4);
    }
  }
}
