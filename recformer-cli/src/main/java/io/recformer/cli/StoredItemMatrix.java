package io.recformer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.data.dataset.Dataset;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.index.ExactItemIndex;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Item indexes built from a stored item matrix (the {@code item_matrix} tensor a fine-tuning run
 * writes, rows in catalog order) instead of a fresh encoding of the items. The model a run
 * evaluates ranks against that matrix: Algorithm 1 froze it while the encoder trained on, and a
 * trainable matrix ({@code stage2TrainsMatrix}, {@code TRAINABLE_MATRIX}) is no longer an encoding
 * at all, so re-encoding the items would serve a different model than the one evaluated.
 */
final class StoredItemMatrix {

  private StoredItemMatrix() {}

  /**
   * Writes an index of {@code dataset}'s catalog whose rows are the matrix in {@code matrixFile},
   * tied to {@code encoder}'s model hash as {@link io.recformer.infer.recommend.Recommender}'s
   * indexes are.
   *
   * @throws IllegalArgumentException when the file holds no {@code item_matrix} of catalog size x
   *     the bundle's dimension, or when the checkpoint or run it sits in was trained on another
   *     dataset (whose catalog order the rows follow)
   */
  static void writeIndex(Path matrixFile, Dataset dataset, RecformerEncoder encoder, Path indexFile)
      throws IOException {
    if (!Files.isRegularFile(matrixFile)) {
      throw new IllegalArgumentException("item matrix " + matrixFile + " does not exist");
    }
    ItemCatalog catalog = dataset.items();
    WeightTensor matrix = SafeTensors.read(matrixFile).tensors().get("item_matrix");
    if (matrix == null
        || matrix.shape().length != 2
        || matrix.shape()[0] != catalog.size()
        || matrix.shape()[1] != encoder.dimension()) {
      throw new IllegalArgumentException(
          "item matrix "
              + matrixFile
              + ": expected an 'item_matrix' of "
              + catalog.size()
              + " x "
              + encoder.dimension()
              + " (catalog items x the bundle's dimension), found "
              + (matrix == null ? "none" : Arrays.toString(matrix.shape())));
    }
    requireSameDataset(matrixFile, dataset);
    List<String> ids = catalog.items().stream().map(Item::id).toList();
    // The same fingerprint Recommender gives its indexes: the bundle's model hash.
    String fingerprint =
        "sha256:"
            + encoder
                .manifest()
                .modelSha256()
                .orElseThrow(
                    () -> new IllegalStateException("bundle manifest records no model hash"));
    ExactItemIndex.build(ids, matrix.values(), encoder.dimension(), fingerprint).save(indexFile);
  }

  /**
   * The rows follow the catalog order of the dataset the matrix was trained on: a checkpoint's
   * manifest.json or a run's provenance.json beside the file names it, and must name this one.
   */
  private static void requireSameDataset(Path matrixFile, Dataset dataset) throws IOException {
    Path dir = matrixFile.toAbsolutePath().getParent();
    String recorded = null;
    if (Files.isRegularFile(dir.resolve(CheckpointManifest.FILE_NAME))) {
      recorded = CheckpointManifest.read(dir).provenance().datasetFingerprint();
    } else if (Files.isRegularFile(dir.resolve("provenance.json"))) {
      JsonNode provenance = new ObjectMapper().readTree(dir.resolve("provenance.json").toFile());
      recorded = provenance.path("datasetFingerprint").asText(null);
    }
    if (recorded != null && !recorded.equals(dataset.fingerprint())) {
      throw new IllegalArgumentException(
          "item matrix "
              + matrixFile
              + " was trained on dataset "
              + recorded
              + ", not on the one given ("
              + dataset.fingerprint()
              + "): its rows follow another catalog");
    }
  }
}
