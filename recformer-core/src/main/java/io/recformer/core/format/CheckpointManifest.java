package io.recformer.core.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.RecformerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The manifest of a training checkpoint: a directory holding the weights (e.g. {@code
 * model.safetensors}) and this manifest ({@code manifest.json}) with the config needed to rebuild
 * the model and a summary of the training state. Format and version policy: {@code
 * docs/formats.md}.
 *
 * @param config the hyperparameters of the model whose weights are stored
 * @param weightsFile file name of the weights inside the checkpoint directory
 * @param provenance who wrote the checkpoint, from what data and seed
 * @param weightsSha256 SHA-256 of the weights file, verified on {@link #read} when present
 * @param step optimizer steps taken when the checkpoint was written, if known
 * @param epoch epochs completed, if known
 * @param stage training stage, e.g. {@code "pretrain"}, {@code "finetune-stage1"}, if known
 * @param metrics validation metrics at this point (e.g. {@code NDCG@10}), in insertion order
 * @param base the base model the weights file leaves tensors to (format version 2), or empty for a
 *     weights file that holds every tensor (version 1)
 */
public record CheckpointManifest(
    RecformerConfig config,
    String weightsFile,
    Provenance provenance,
    Optional<String> weightsSha256,
    OptionalLong step,
    OptionalInt epoch,
    Optional<String> stage,
    Map<String, Double> metrics,
    Optional<CheckpointBase> base) {

  /**
   * The newest format version this library reads. It writes version 1 for a checkpoint that holds
   * every tensor, so older readers keep reading those, and version 2 for one with a {@link #base}.
   */
  public static final int FORMAT_VERSION = 2;

  /** The version of a checkpoint whose weights file holds every tensor. */
  public static final int FULL_WEIGHTS_VERSION = 1;

  /** The {@code kind} field that tells a checkpoint manifest from other manifests. */
  public static final String KIND = "recformer-checkpoint";

  /** File name of the manifest inside a checkpoint directory. */
  public static final String FILE_NAME = "manifest.json";

  public static final String DEFAULT_WEIGHTS_FILE = "model.safetensors";

  private static final String DESCRIPTION = "checkpoint manifest";

  public CheckpointManifest {
    if (config == null || provenance == null) {
      throw new IllegalArgumentException("checkpoint manifest needs a config and a provenance");
    }
    FileHashes.checkFileName("weightsFile", weightsFile);
    if (weightsFile.equals(FILE_NAME)) {
      throw new IllegalArgumentException("weightsFile must not be " + FILE_NAME);
    }
    FileHashes.checkHash("weightsSha256", weightsSha256);
    if (step == null || epoch == null || stage == null || metrics == null || base == null) {
      throw new IllegalArgumentException(
          "step, epoch, stage, metrics and base must be empty optionals or an empty map, not null");
    }
    if (step.isPresent() && step.getAsLong() < 0) {
      throw new IllegalArgumentException("step = " + step.getAsLong() + " must be >= 0");
    }
    if (epoch.isPresent() && epoch.getAsInt() < 0) {
      throw new IllegalArgumentException("epoch = " + epoch.getAsInt() + " must be >= 0");
    }
    if (stage.isPresent() && stage.get().isBlank()) {
      throw new IllegalArgumentException("stage must not be blank when present");
    }
    Map<String, Double> copy = new LinkedHashMap<>();
    metrics.forEach(
        (k, v) -> {
          if (k == null || v == null || !Double.isFinite(v)) {
            throw new IllegalArgumentException(
                "metrics entry " + k + " = " + v + " must have a name and a finite value");
          }
          copy.put(k, v);
        });
    metrics = Collections.unmodifiableMap(copy);
  }

  /** A manifest with the default weights file name, no hash and no training state. */
  public static CheckpointManifest of(RecformerConfig config, Provenance provenance) {
    return new CheckpointManifest(
        config,
        DEFAULT_WEIGHTS_FILE,
        provenance,
        Optional.empty(),
        OptionalLong.empty(),
        OptionalInt.empty(),
        Optional.empty(),
        Map.of(),
        Optional.empty());
  }

  /** This manifest with the training state set. */
  public CheckpointManifest withTrainingState(long step, int epoch, String stage) {
    return new CheckpointManifest(
        config,
        weightsFile,
        provenance,
        weightsSha256,
        OptionalLong.of(step),
        OptionalInt.of(epoch),
        Optional.of(stage),
        metrics,
        base);
  }

  /** This manifest with the given validation metrics. */
  public CheckpointManifest withMetrics(Map<String, Double> newMetrics) {
    return new CheckpointManifest(
        config, weightsFile, provenance, weightsSha256, step, epoch, stage, newMetrics, base);
  }

  /**
   * This manifest for a weights file that leaves the tensors {@code newBase} lists to that base (no
   * hash: add it with {@link #withHash} once the file is written).
   */
  public CheckpointManifest withBase(CheckpointBase newBase) {
    return new CheckpointManifest(
        config,
        weightsFile,
        provenance,
        Optional.empty(),
        step,
        epoch,
        stage,
        metrics,
        Optional.of(newBase));
  }

  /** This manifest with the SHA-256 of the weights file found in {@code directory}. */
  public CheckpointManifest withHash(Path directory) throws IOException {
    return new CheckpointManifest(
        config,
        weightsFile,
        provenance,
        Optional.of(FileHashes.sha256(directory.resolve(weightsFile))),
        step,
        epoch,
        stage,
        metrics,
        base);
  }

  /**
   * Reads and checks a checkpoint manifest and the presence (and recorded hash) of its weights.
   *
   * @param checkpoint the checkpoint directory, or its {@code manifest.json}
   * @throws java.nio.file.NoSuchFileException if the manifest or the weights file is missing
   * @throws ArtifactFormatException if the manifest is malformed, of another kind or version, has a
   *     missing, unknown or invalid field, or the weights do not match the recorded hash
   */
  public static CheckpointManifest read(Path checkpoint) throws IOException {
    Path manifest = Files.isRegularFile(checkpoint) ? checkpoint : checkpoint.resolve(FILE_NAME);
    Fields f = ManifestFiles.read(manifest, KIND, FORMAT_VERSION, DESCRIPTION);
    RecformerConfig config = ConfigJson.read(f.object("config", "config"));
    String weights = f.string("weightsFile");
    Provenance provenance = Provenance.read(f.object("provenance", "provenance"));
    Optional<String> hash = f.optionalString("weightsSha256");
    OptionalLong step = f.optionalInt64("step");
    OptionalInt epoch = f.optionalInt32("epoch");
    Optional<String> stage = f.optionalString("stage");
    Map<String, Double> metrics = f.numberMap("metrics");
    Optional<CheckpointBase> base = Optional.empty();
    Optional<Fields> baseFields = f.optionalObject("base", "checkpoint base");
    if (baseFields.isPresent()) {
      base = Optional.of(CheckpointBase.read(baseFields.get()));
    }
    f.rejectUnknown();
    int version = f.int32("formatVersion");
    if (base.isPresent() != (version > FULL_WEIGHTS_VERSION)) {
      throw new ArtifactFormatException(
          String.format(
              "%s has format version %d %s a 'base': version 1 holds every tensor, version 2 names"
                  + " its base",
              manifest, version, base.isPresent() ? "with" : "without"));
    }
    CheckpointManifest m;
    try {
      m =
          new CheckpointManifest(
              config, weights, provenance, hash, step, epoch, stage, metrics, base);
    } catch (IllegalArgumentException e) {
      throw f.invalid(e);
    }
    FileHashes.verify(
        manifest.toAbsolutePath().getParent(), m.weightsFile, m.weightsSha256, manifest);
    return m;
  }

  /**
   * Writes {@code manifest.json} into the checkpoint directory atomically. Write it after the
   * weights: a directory with a manifest is a complete checkpoint.
   */
  public void write(Path directory) throws IOException {
    ManifestFiles.write(directory.resolve(FILE_NAME), toNode());
  }

  /** The manifest as JSON text, exactly as {@link #write} stores it. */
  public String toJson() {
    return ManifestFiles.render(toNode());
  }

  private ObjectNode toNode() {
    ObjectNode root =
        ManifestFiles.header(base.isPresent() ? FORMAT_VERSION : FULL_WEIGHTS_VERSION, KIND);
    root.set("config", ConfigJson.toNode(config));
    root.put("weightsFile", weightsFile);
    root.set("provenance", provenance.toNode());
    weightsSha256.ifPresent(h -> root.put("weightsSha256", h));
    step.ifPresent(s -> root.put("step", s));
    epoch.ifPresent(e -> root.put("epoch", e));
    stage.ifPresent(s -> root.put("stage", s));
    if (!metrics.isEmpty()) {
      ObjectNode m = root.putObject("metrics");
      metrics.forEach(m::put);
    }
    base.ifPresent(b -> root.set("base", b.toNode()));
    return root;
  }
}
