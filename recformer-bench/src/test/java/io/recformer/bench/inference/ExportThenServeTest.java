package io.recformer.bench.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.Provenance;
import io.recformer.core.item.Item;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.train.export.OnnxExporter;
import io.recformer.train.model.RecformerModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end across modules: a model built in recformer-train, exported as a bundle archive, served
 * by recformer-infer's RecformerEncoder, gives the DJL model's normalized vectors for items and
 * histories (mean pooling here; the unit tests of both modules cover CLS).
 */
class ExportThenServeTest {

  @Test
  void servedVectorsEqualTheTrainedModel(@TempDir Path temp) throws Exception {
    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder()
            .vocabSize(40)
            .hiddenSize(24)
            .numLayers(2)
            .numHeads(3)
            .intermediateSize(48)
            .maxPositions(64)
            .positionOffset(0)
            .maxItems(6)
            .maxItemPositions(7)
            .maxAttributeTokens(8)
            .maxTokens(40)
            .attentionWindow(6)
            .layerNormEps(1e-5)
            .dropout(0)
            .pooling(Pooling.MEAN)
            .build();
    Path tokenizer =
        Path.of(System.getProperty("recformer.repo.root", ".."))
            .resolve("recformer-core/src/test/resources/tokenizers/tiny-wordpiece.json");
    List<Item> items =
        List.of(
            Item.of("a", "title", "Gorilla wood glue", "brand", "Gorilla"),
            Item.of("b", "title", "IKEA desk lamp", "category", "home & kitchen"),
            Item.of("c", "title", "Black ink pen set of 10", "category", "office"),
            Item.of("d", "title", "Lab glass beaker", "category", "scientific"));
    List<List<Item>> histories =
        List.of(
            List.of(items.get(0)),
            items,
            List.of(items.get(3), items.get(2), items.get(1), items.get(0), items.get(3)));
    try (NDManager root = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(root, config, 5)) {
      Path archive = temp.resolve("model.zip");
      OnnxExporter.writeArchive(model, tokenizer, Provenance.capture("none", 5, Map.of()), archive);
      float[][] expectedItems;
      float[][] expectedHistories;
      try (RecformerTokenizer tok = RecformerTokenizer.open(tokenizer, config)) {
        expectedItems = djl(root, model, tok, tok.encodeItems(items));
        List<EncodedSequence> seqs = new ArrayList<>();
        for (List<Item> h : histories) {
          seqs.add(tok.encodeHistory(h));
        }
        expectedHistories = djl(root, model, tok, seqs);
      }
      try (RecformerEncoder encoder =
          RecformerEncoder.open(
              archive, EncoderOptions.defaults().withIntraOpThreads(1).withBatchSize(2))) {
        assertClose(encoder.embedItems(items), expectedItems);
        assertClose(encoder.encodeHistories(histories), expectedHistories);
      }
    }
  }

  private static float[][] djl(
      NDManager root,
      RecformerModel model,
      RecformerTokenizer tok,
      List<EncodedSequence> sequences) {
    try (NDManager m = root.newSubManager()) {
      float[] pooled =
          model
              .encode(
                  m,
                  BatchCollator.forLongformer(model.config(), tok.padId()).collate(sequences),
                  false)
              .pooled()
              .toFloatArray();
      int d = model.config().hiddenSize();
      float[][] out = new float[sequences.size()][d];
      for (int r = 0; r < out.length; r++) {
        double norm = 0;
        for (int k = 0; k < d; k++) {
          norm += (double) pooled[r * d + k] * pooled[r * d + k];
        }
        for (int k = 0; k < d; k++) {
          out[r][k] = (float) (pooled[r * d + k] / Math.sqrt(norm));
        }
      }
      return out;
    }
  }

  private static void assertClose(float[][] actual, float[][] expected) {
    assertThat(actual.length).isEqualTo(expected.length);
    for (int r = 0; r < actual.length; r++) {
      for (int k = 0; k < actual[r].length; k++) {
        assertThat((double) actual[r][k])
            .as("row %d, component %d", r, k)
            .isCloseTo(expected[r][k], Assertions.within(1e-4));
      }
    }
  }
}
