package io.recformer.train.checkpoint;

import ai.djl.ndarray.NDManager;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.core.format.Provenance;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.LoadReport;
import io.recformer.train.weights.OriginalRecformerNames;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Saves and loads checkpoint directories ({@code docs/formats.md}): the weights as {@code
 * model.safetensors} (float32, this project's Hugging Face names) and {@code manifest.json} ({@link
 * CheckpointManifest}: config, provenance, step/epoch/stage, validation metrics and the weights'
 * SHA-256). Files are written atomically; a save followed by a load gives bit-identical weights and
 * therefore bit-identical outputs.
 */
public final class Checkpoints {

  private Checkpoints() {}

  /**
   * Writes {@code model}'s weights and a manifest into {@code directory} (created if needed).
   *
   * @param manifest the manifest without hash; the weights' hash is added here
   * @return the manifest as written
   */
  public static CheckpointManifest save(
      Path directory, RecformerModel model, CheckpointManifest manifest) throws IOException {
    return save(directory, model.exportWeightMap(), manifest);
  }

  /** As {@link #save(Path, RecformerModel, CheckpointManifest)} from already exported weights. */
  public static CheckpointManifest save(
      Path directory, Map<String, WeightTensor> weights, CheckpointManifest manifest)
      throws IOException {
    Files.createDirectories(directory);
    SafeTensors.write(directory.resolve(manifest.weightsFile()), weights, Map.of("format", "pt"));
    CheckpointManifest hashed = manifest.withHash(directory);
    hashed.write(directory);
    return hashed;
  }

  /** A manifest for {@code model} with fresh provenance. */
  public static CheckpointManifest manifest(
      RecformerModel model, String datasetFingerprint, long seed, Map<String, String> extras) {
    return CheckpointManifest.of(
        model.config(), Provenance.capture(datasetFingerprint, seed, extras));
  }

  /**
   * Reads a checkpoint's manifest and weights (hash verified) with the names mapped from the
   * original Recformer's form ({@code longformer.} prefix, tied decoder copies) when needed, and
   * the tensors it leaves to a base model put back ({@link BaseWeights}).
   */
  public static Loaded read(Path directory) throws IOException {
    CheckpointManifest manifest = CheckpointManifest.read(directory);
    Path dir = Files.isRegularFile(directory) ? directory.getParent() : directory;
    Map<String, WeightTensor> weights =
        OriginalRecformerNames.toRecformerNames(
            SafeTensors.read(dir.resolve(manifest.weightsFile()), true).tensors());
    return new Loaded(manifest, BaseWeights.complete(manifest, weights, dir));
  }

  /**
   * Builds the model a checkpoint describes and loads its weights.
   *
   * @throws IllegalArgumentException with the {@link LoadReport} when names or shapes differ
   */
  public static RecformerModel load(Path directory, NDManager parent) throws IOException {
    Loaded loaded = read(directory);
    RecformerModel model = RecformerModel.newInstance(parent, loaded.manifest().config(), 0);
    try {
      loadInto(model, loaded.weights());
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** Loads weights into an existing model, failing with the full report when they differ. */
  public static LoadReport loadInto(RecformerModel model, Map<String, WeightTensor> weights) {
    Map<String, long[]> expected = model.parameterShapes();
    LoadReport report = LoadReport.compare(expected, weights);
    model.loadWeights(LoadReport.requireExact(expected, weights));
    return report;
  }

  /** A checkpoint's manifest and its weights with this project's names. */
  public record Loaded(CheckpointManifest manifest, Map<String, WeightTensor> weights) {}
}
