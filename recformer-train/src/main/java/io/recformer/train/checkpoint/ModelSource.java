package io.recformer.train.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.train.eval.Encoder;
import io.recformer.train.weights.MiniLmImporter;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a model's weights come from: {@code minilm} for all-MiniLM-L6-v2 from the Maven jar (never
 * a download), or a checkpoint directory (a run's {@code best/} or {@code last/}; a run directory
 * means its {@code best/}). Only the manifest is read up front, so the model settings can be
 * resolved before the weights are loaded. Used by the CLI's {@code --init}/{@code --checkpoint} and
 * by the quality benchmark's Recformer rows.
 */
public final class ModelSource {

  public static final String MINILM = "minilm";
  private static final Logger LOG = LoggerFactory.getLogger(ModelSource.class);

  private final Path checkpoint;
  private final CheckpointManifest manifest;
  private final RecformerConfig config;

  private ModelSource(Path checkpoint, CheckpointManifest manifest, RecformerConfig config) {
    this.checkpoint = checkpoint;
    this.manifest = manifest;
    this.config = config;
  }

  public static ModelSource of(String spec) throws IOException {
    if (MINILM.equals(spec)) {
      return new ModelSource(null, null, RecformerConfig.miniLmL6());
    }
    Path dir = Path.of(spec);
    if (!Files.isRegularFile(dir.resolve(CheckpointManifest.FILE_NAME))
        && Files.isRegularFile(dir.resolve("best").resolve(CheckpointManifest.FILE_NAME))) {
      LOG.info("{} is a run directory; using its best checkpoint {}", dir, dir.resolve("best"));
      dir = dir.resolve("best");
    }
    if (!Files.isRegularFile(dir.resolve(CheckpointManifest.FILE_NAME))) {
      throw new IllegalArgumentException(
          "checkpoint "
              + dir
              + " has no "
              + CheckpointManifest.FILE_NAME
              + "; give 'minilm' or a checkpoint directory such as"
              + " runs/my-run/best (written by recformer pretrain or finetune)");
    }
    CheckpointManifest manifest = CheckpointManifest.read(dir);
    return new ModelSource(dir, manifest, manifest.config());
  }

  /** The model config the weights were made for; settings are resolved on top of it. */
  public RecformerConfig config() {
    return config;
  }

  /** The origin shown for defaults taken from this model, e.g. "init minilm". */
  public String label() {
    return checkpoint == null ? "init " + MINILM : "checkpoint " + checkpoint;
  }

  /** The checkpoint directory, or null for MiniLM. */
  public Path checkpoint() {
    return checkpoint;
  }

  /** The dataset fingerprint of the checkpoint's provenance, or "minilm". */
  public String datasetFingerprint() {
    return manifest == null ? MINILM : manifest.provenance().datasetFingerprint();
  }

  /**
   * The weights for a model with {@code resolved} (same shapes as {@link #config()}).
   *
   * @param seed seeds the tables MiniLM does not have (item positions, MLM head)
   */
  public Map<String, WeightTensor> weights(RecformerConfig resolved, long seed) throws IOException {
    if (checkpoint == null) {
      LOG.info("importing all-MiniLM-L6-v2 weights from the class path");
      return MiniLmImporter.importFromClasspath(resolved, seed);
    }
    LOG.info("reading checkpoint {}", checkpoint);
    return Checkpoints.read(checkpoint).weights();
  }

  /**
   * The item matrix to rank with: the checkpoint's own {@code item-matrix.safetensors} when it was
   * made for exactly this model and dataset (a fine-tuning run's {@code best/} matrix: in stage 2
   * it is the frozen matrix the model was selected with, not a fresh encoding); otherwise the model
   * encodes the catalog.
   *
   * @param config the model settings in use (a different config means the stored matrix is stale)
   * @param datasetFingerprint fingerprint of the dataset being ranked
   * @param itemCount catalog size of that dataset
   * @param reencode encode anew even when a matching matrix is stored
   */
  public NDArray itemMatrix(
      RecformerConfig config,
      String datasetFingerprint,
      int itemCount,
      Encoder encoder,
      NDManager manager,
      boolean reencode)
      throws IOException {
    Path file = checkpoint == null ? null : checkpoint.resolve("item-matrix.safetensors");
    if (file != null && Files.isRegularFile(file) && !reencode) {
      if (!config.equals(this.config)) {
        LOG.info("model settings differ from the checkpoint's; encoding the item matrix anew");
      } else if (!datasetFingerprint.equals(datasetFingerprint())) {
        LOG.info("the checkpoint was trained on another dataset; encoding the item matrix anew");
      } else {
        WeightTensor t = SafeTensors.read(file).tensors().get("item_matrix");
        if (t != null && t.shape()[0] == itemCount) {
          LOG.info("using the checkpoint's item matrix {}", file);
          return manager.create(t.values(), new Shape(t.shape()));
        }
      }
    }
    return encoder.itemMatrix(manager);
  }
}
