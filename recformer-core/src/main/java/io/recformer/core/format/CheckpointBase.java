package io.recformer.core.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The weights a checkpoint leaves out because they equal a base model's: such a checkpoint stores
 * only the tensors training changed, and a reader rebuilds the others from the base and checks each
 * against its SHA-256 here. A pre-trained model with frozen word embeddings is about half the size
 * this way ({@code docs/formats.md}, "Training checkpoint").
 *
 * @param model the base model, {@code "minilm"} (all-MiniLM-L6-v2 from the Maven jar)
 * @param seed the seed the base was built with (it initializes the tables MiniLM lacks)
 * @param tensorSha256 for every tensor taken from the base, the SHA-256 of its float32
 *     little-endian values, in file order
 */
public record CheckpointBase(String model, long seed, Map<String, String> tensorSha256) {

  public CheckpointBase {
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("base model must be named, e.g. \"minilm\"");
    }
    if (tensorSha256 == null || tensorSha256.isEmpty()) {
      throw new IllegalArgumentException(
          "a base must list the tensors taken from it; a checkpoint with none needs no base");
    }
    Map<String, String> copy = new LinkedHashMap<>();
    tensorSha256.forEach(
        (name, hash) -> {
          if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("base tensor names must not be blank");
          }
          FileHashes.checkHash("base.tensors." + name, Optional.ofNullable(hash));
          copy.put(name, hash);
        });
    tensorSha256 = Collections.unmodifiableMap(copy);
  }

  ObjectNode toNode() {
    ObjectNode node = ManifestFiles.MAPPER.createObjectNode();
    node.put("model", model);
    node.put("seed", seed);
    ObjectNode tensors = node.putObject("tensors");
    tensorSha256.forEach(tensors::put);
    return node;
  }

  static CheckpointBase read(Fields f) throws ArtifactFormatException {
    String model = f.string("model");
    long seed = f.int64("seed");
    Map<String, String> tensors = f.stringMap("tensors");
    f.rejectUnknown();
    try {
      return new CheckpointBase(model, seed, tensors);
    } catch (IllegalArgumentException e) {
      throw f.invalid(e);
    }
  }
}
