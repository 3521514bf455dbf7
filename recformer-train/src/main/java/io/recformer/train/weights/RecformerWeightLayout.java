package io.recformer.train.weights;

import io.recformer.core.config.RecformerConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameter names and shapes of a Recformer model, in one fixed order: the contract between
 * weight importers, safetensors checkpoints and the model.
 *
 * <p>Names follow Hugging Face Longformer (reference section 3) without the {@code longformer.}
 * prefix; Linear weights are {@code [out, in]}. The MLM head's decoder weight is tied to the word
 * embeddings, so it is not listed. The order is embeddings, then each layer, then the MLM head; a
 * checkpoint writer uses it so that files are byte-for-byte reproducible.
 */
public final class RecformerWeightLayout {

  /** Prefix of the encoder and embedding keys in the original (Python) Recformer checkpoints. */
  static final String LONGFORMER_PREFIX = "longformer.";

  private static final String[] ATTENTION_PROJECTIONS = {
    "query", "key", "value", "query_global", "key_global", "value_global"
  };

  private RecformerWeightLayout() {}

  /**
   * Every parameter of a model built for {@code config}, with its shape, in checkpoint order.
   *
   * @return an unmodifiable, insertion-ordered map from name to shape (the arrays are fresh copies)
   */
  public static Map<String, long[]> expectedShapes(RecformerConfig config) {
    long d = config.hiddenSize();
    long ffn = config.intermediateSize();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("embeddings.word_embeddings.weight", new long[] {config.vocabSize(), d});
    shapes.put("embeddings.position_embeddings.weight", new long[] {config.maxPositions(), d});
    shapes.put("embeddings.token_type_embeddings.weight", new long[] {config.tokenTypes(), d});
    shapes.put(
        "embeddings.item_position_embeddings.weight", new long[] {config.maxItemPositions(), d});
    shapes.put("embeddings.LayerNorm.weight", new long[] {d});
    shapes.put("embeddings.LayerNorm.bias", new long[] {d});
    for (int layer = 0; layer < config.numLayers(); layer++) {
      String p = layerPrefix(layer);
      for (String projection : ATTENTION_PROJECTIONS) {
        shapes.put(p + "attention.self." + projection + ".weight", new long[] {d, d});
        shapes.put(p + "attention.self." + projection + ".bias", new long[] {d});
      }
      shapes.put(p + "attention.output.dense.weight", new long[] {d, d});
      shapes.put(p + "attention.output.dense.bias", new long[] {d});
      shapes.put(p + "attention.output.LayerNorm.weight", new long[] {d});
      shapes.put(p + "attention.output.LayerNorm.bias", new long[] {d});
      shapes.put(p + "intermediate.dense.weight", new long[] {ffn, d});
      shapes.put(p + "intermediate.dense.bias", new long[] {ffn});
      shapes.put(p + "output.dense.weight", new long[] {d, ffn});
      shapes.put(p + "output.dense.bias", new long[] {d});
      shapes.put(p + "output.LayerNorm.weight", new long[] {d});
      shapes.put(p + "output.LayerNorm.bias", new long[] {d});
    }
    shapes.put("lm_head.dense.weight", new long[] {d, d});
    shapes.put("lm_head.dense.bias", new long[] {d});
    shapes.put("lm_head.layer_norm.weight", new long[] {d});
    shapes.put("lm_head.layer_norm.bias", new long[] {d});
    shapes.put("lm_head.bias", new long[] {config.vocabSize()});
    return Collections.unmodifiableMap(shapes);
  }

  /** {@code encoder.layer.N.}: the prefix of every parameter of layer {@code layer}. */
  public static String layerPrefix(int layer) {
    return "encoder.layer." + layer + ".";
  }
}
