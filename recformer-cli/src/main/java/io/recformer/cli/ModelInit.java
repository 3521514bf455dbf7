package io.recformer.cli;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.weights.MiniLmImporter;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The starting weights of a command ({@code --init}): {@code minilm} for all-MiniLM-L6-v2 from the
 * Maven jar (never a download), or a checkpoint directory (a run's {@code best/} or {@code last/};
 * a run directory means its {@code best/}). Only the manifest is read up front, so the model
 * settings can be resolved before the weights are loaded.
 */
final class ModelInit {

  static final String MINILM = "minilm";
  private static final Logger LOG = LoggerFactory.getLogger(ModelInit.class);

  private final Path checkpoint;
  private final CheckpointManifest manifest;
  private final RecformerConfig config;

  private ModelInit(Path checkpoint, CheckpointManifest manifest, RecformerConfig config) {
    this.checkpoint = checkpoint;
    this.manifest = manifest;
    this.config = config;
  }

  static ModelInit of(String spec) throws IOException {
    if (MINILM.equals(spec)) {
      return new ModelInit(null, null, RecformerConfig.miniLmL6());
    }
    Path dir = Path.of(spec);
    if (!Files.isRegularFile(dir.resolve(CheckpointManifest.FILE_NAME))
        && Files.isRegularFile(dir.resolve("best").resolve(CheckpointManifest.FILE_NAME))) {
      LOG.info("{} is a run directory; using its best checkpoint {}", dir, dir.resolve("best"));
      dir = dir.resolve("best");
    }
    if (!Files.isRegularFile(dir.resolve(CheckpointManifest.FILE_NAME))) {
      throw new IllegalArgumentException("checkpoint " + dir + " has no "
          + CheckpointManifest.FILE_NAME + "; give 'minilm' or a checkpoint directory such as"
          + " runs/my-run/best (written by recformer pretrain or finetune)");
    }
    CheckpointManifest manifest = CheckpointManifest.read(dir);
    return new ModelInit(dir, manifest, manifest.config());
  }

  /** The model config the weights were made for; settings are resolved on top of it. */
  RecformerConfig config() {
    return config;
  }

  /** The origin shown for defaults taken from this model, e.g. "init minilm". */
  String label() {
    return checkpoint == null ? "init " + MINILM : "checkpoint " + checkpoint;
  }

  /** The checkpoint directory, or null for MiniLM. */
  Path checkpoint() {
    return checkpoint;
  }

  /** The dataset fingerprint of the checkpoint's provenance, or "minilm". */
  String datasetFingerprint() {
    return manifest == null ? MINILM : manifest.provenance().datasetFingerprint();
  }

  /**
   * The weights for a model with {@code resolved} (same shapes as {@link #config()}).
   *
   * @param seed seeds the tables MiniLM does not have (item positions, MLM head)
   */
  Map<String, WeightTensor> weights(RecformerConfig resolved, long seed) throws IOException {
    if (checkpoint == null) {
      LOG.info("importing all-MiniLM-L6-v2 weights from the class path");
      return MiniLmImporter.importFromClasspath(resolved, seed);
    }
    LOG.info("reading checkpoint {}", checkpoint);
    return Checkpoints.read(checkpoint).weights();
  }
}
