package io.recformer.train.weights;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Maps the parameter names of checkpoints written by the original (Python) Recformer onto this
 * project's names ({@link RecformerWeightLayout}).
 *
 * <p>The original wraps its encoder and embeddings in a {@code longformer.} module, so those keys
 * carry that prefix; the MLM head is {@code lm_head.*} in both. Hugging Face also saves the MLM
 * decoder: {@code lm_head.decoder.weight} is tied to the word embeddings and {@code
 * lm_head.decoder.bias} is the same tensor as {@code lm_head.bias}. This model stores each tied
 * tensor once, so the decoder copies are dropped when they equal their twin, and rejected when they
 * do not (a model with tied weights cannot represent them). Keys that are already in this project's
 * form pass through, so a checkpoint written by this library maps to itself.
 */
public final class OriginalRecformerNames {

  static final String DECODER_WEIGHT = "lm_head.decoder.weight";
  static final String DECODER_BIAS = "lm_head.decoder.bias";
  static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";
  static final String LM_BIAS = "lm_head.bias";

  private OriginalRecformerNames() {}

  /**
   * This project's name for an original key: {@code longformer.} stripped, other keys unchanged.
   */
  public static String map(String originalKey) {
    return originalKey.startsWith(RecformerWeightLayout.LONGFORMER_PREFIX)
        ? originalKey.substring(RecformerWeightLayout.LONGFORMER_PREFIX.length())
        : originalKey;
  }

  /**
   * Renames every tensor and resolves the tied MLM decoder tensors; the order of the input is kept.
   * Unknown keys pass through renamed; use {@link LoadReport} to find them.
   *
   * @throws IllegalArgumentException if two keys map to the same name, or a decoder tensor differs
   *     from the tensor it is tied to
   */
  public static Map<String, WeightTensor> toRecformerNames(Map<String, WeightTensor> original) {
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    Map<String, String> sourceKey = new LinkedHashMap<>();
    WeightTensor decoderWeight = null;
    WeightTensor decoderBias = null;
    for (Map.Entry<String, WeightTensor> e : original.entrySet()) {
      String key = e.getKey();
      if (key.equals(DECODER_WEIGHT)) {
        decoderWeight = e.getValue();
        continue;
      }
      if (key.equals(DECODER_BIAS)) {
        decoderBias = e.getValue();
        continue;
      }
      String name = map(key);
      String previous = sourceKey.put(name, key);
      if (previous != null) {
        throw new IllegalArgumentException(
            "checkpoint keys '"
                + previous
                + "' and '"
                + key
                + "' both map to '"
                + name
                + "'; keep one of them");
      }
      out.put(name, e.getValue().renamed(name));
    }
    if (decoderWeight != null) {
      requireTied(decoderWeight, DECODER_WEIGHT, out.get(WORD_EMBEDDINGS), WORD_EMBEDDINGS);
    }
    if (decoderBias != null) {
      if (out.containsKey(LM_BIAS)) {
        requireTied(decoderBias, DECODER_BIAS, out.get(LM_BIAS), LM_BIAS);
      } else {
        // Some exports keep only the decoder's copy of the shared bias.
        out.put(LM_BIAS, decoderBias.renamed(LM_BIAS));
      }
    }
    return out;
  }

  private static void requireTied(
      WeightTensor copy, String copyName, WeightTensor twin, String twinName) {
    if (twin == null) {
      throw new IllegalArgumentException(
          "checkpoint has '"
              + copyName
              + "' but no '"
              + twinName
              + "' it is tied to; this model stores the tied tensor only as '"
              + twinName
              + "'");
    }
    if (!Arrays.equals(copy.shape(), twin.shape())) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "checkpoint '%s' has shape %s but the tied '%s' has %s",
              copyName,
              Arrays.toString(copy.shape()),
              twinName,
              Arrays.toString(twin.shape())));
    }
    double maxDiff = 0;
    for (int i = 0; i < copy.size(); i++) {
      maxDiff = Math.max(maxDiff, Math.abs((double) copy.values()[i] - twin.values()[i]));
    }
    if (maxDiff > 0 || Double.isNaN(maxDiff)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "checkpoint '%s' differs from the tied '%s' (max abs difference %.6g); this model"
                  + " ties them and cannot load an untied head",
              copyName,
              twinName,
              maxDiff));
    }
  }
}
