package io.recformer.train.checkpoint;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.ArtifactFormatException;
import io.recformer.core.format.CheckpointBase;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.train.weights.MiniLmImporter;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints that store only what training changed ({@link CheckpointBase}): {@link #saveSlim}
 * leaves out every tensor bit-identical to the base model's, and {@link #complete} puts them back
 * on read, each checked against its recorded SHA-256 so a changed base (another MiniLM jar) is an
 * error, never a silently different model.
 */
public final class BaseWeights {

  private static final Logger LOG = LoggerFactory.getLogger(BaseWeights.class);

  private BaseWeights() {}

  /** The base model's weights for {@code config}; {@code minilm} is the only base so far. */
  static Map<String, WeightTensor> of(String model, RecformerConfig config, long seed)
      throws IOException {
    if (!ModelSource.MINILM.equals(model)) {
      throw new ArtifactFormatException(
          "checkpoint base '" + model + "' is unknown; this library knows 'minilm'");
    }
    return MiniLmImporter.importFromClasspath(config, seed);
  }

  /**
   * Writes {@code source}'s checkpoint to {@code target} without the tensors equal to the base
   * model's (same manifest otherwise, version 2). A checkpoint where every tensor changed, or whose
   * model the base does not fit (other sizes), is written whole (version 1).
   *
   * @param seed the seed the base is built with; any seed is correct (only equal tensors are left
   *     out), the run's own seed leaves out the most
   * @return how many tensors were left to the base
   */
  public static int saveSlim(Path source, Path target, String model, long seed) throws IOException {
    Checkpoints.Loaded loaded = Checkpoints.read(source);
    Map<String, WeightTensor> base;
    try {
      base = of(model, loaded.manifest().config(), seed);
    } catch (IllegalArgumentException e) {
      LOG.info(
          "{}: base {} does not fit this model ({}); written whole", target, model, e.getMessage());
      base = Map.of();
    }
    Map<String, WeightTensor> kept = new LinkedHashMap<>();
    Map<String, String> fromBase = new LinkedHashMap<>();
    for (WeightTensor t : loaded.weights().values()) {
      if (t.equals(base.get(t.name()))) {
        fromBase.put(t.name(), sha256(t));
      } else {
        kept.put(t.name(), t);
      }
    }
    CheckpointManifest manifest = loaded.manifest();
    if (!fromBase.isEmpty()) {
      manifest = manifest.withBase(new CheckpointBase(model, seed, fromBase));
    }
    Files.createDirectories(target);
    Checkpoints.save(target, kept, manifest);
    LOG.info(
        "{}: {} tensors stored, {} left to base {} (seed {})",
        target,
        kept.size(),
        fromBase.size(),
        model,
        seed);
    return fromBase.size();
  }

  /**
   * The full weights of a checkpoint: {@code stored} plus, when the manifest names a base, the
   * base's tensors it lists, each verified against its hash.
   *
   * @param source the checkpoint, for messages
   */
  static Map<String, WeightTensor> complete(
      CheckpointManifest manifest, Map<String, WeightTensor> stored, Path source)
      throws IOException {
    if (manifest.base().isEmpty()) {
      return stored;
    }
    CheckpointBase spec = manifest.base().get();
    Map<String, WeightTensor> base = of(spec.model(), manifest.config(), spec.seed());
    Map<String, WeightTensor> all = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : spec.tensorSha256().entrySet()) {
      WeightTensor t = base.get(e.getKey());
      if (t == null) {
        throw new ArtifactFormatException(
            String.format(
                "%s takes tensor '%s' from base %s, which has no such tensor",
                source, e.getKey(), spec.model()));
      }
      if (!sha256(t).equals(e.getValue())) {
        throw new ArtifactFormatException(
            String.format(
                "%s takes tensor '%s' from base %s (seed %d), but the base's tensor differs from"
                    + " the one the checkpoint was saved against: the base model changed",
                source, e.getKey(), spec.model(), spec.seed()));
      }
      all.put(t.name(), t);
    }
    for (WeightTensor t : stored.values()) {
      if (all.put(t.name(), t) != null) {
        throw new ArtifactFormatException(
            String.format(
                "%s stores tensor '%s' and also takes it from its base", source, t.name()));
      }
    }
    return all;
  }

  /** SHA-256 of the tensor's float32 values, little-endian (its shape is checked on load). */
  static String sha256(WeightTensor t) {
    ByteBuffer bytes = ByteBuffer.allocate(t.values().length * Float.BYTES);
    bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(t.values());
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
