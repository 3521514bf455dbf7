package io.recformer.core.format;

import java.util.List;

/**
 * The interface of a bundle's {@code model.onnx}, shared by the exporter (recformer-train) and the
 * server (recformer-infer) so both sides spell names the same way. Documented in
 * {@code docs/formats.md} (section "Model bundle").
 *
 * <p>Inputs are the six {@link io.recformer.core.text.EncodedBatch} arrays as int64
 * {@code [batch, length]} tensors with dynamic batch and length; any length works (the graph pads
 * to a multiple of w/2 itself). Outputs are float32.
 */
public final class EncoderModelContract {

  /** Token ids. */
  public static final String INPUT_IDS = "input_ids";
  /** Token types: 0 CLS, 1 key, 2 value, 3 padding. */
  public static final String TOKEN_TYPE_IDS = "token_type_ids";
  /** Token positions (from the config's position offset). */
  public static final String POSITION_IDS = "position_ids";
  /** Item positions: 0 for CLS, k for the k-th most recent item. */
  public static final String ITEM_POSITION_IDS = "item_position_ids";
  /** 1 for real tokens, 0 for padding. */
  public static final String ATTENTION_MASK = "attention_mask";
  /** 1 for global tokens (CLS), 0 otherwise. */
  public static final String GLOBAL_ATTENTION_MASK = "global_attention_mask";

  /** The inputs in {@code EncodedBatch} order. */
  public static final List<String> INPUT_NAMES = List.of(INPUT_IDS, TOKEN_TYPE_IDS, POSITION_IDS,
      ITEM_POSITION_IDS, ATTENTION_MASK, GLOBAL_ATTENTION_MASK);

  /** {@code [batch, d]}: the pooled vector (CLS or masked mean, per the config's pooling). */
  public static final String OUTPUT_POOLED = "pooled";
  /** {@code [batch, d]}: the pooled vector divided by its L2 norm (what scoring by cosine uses). */
  public static final String OUTPUT_EMBEDDING = "embedding";
  /** {@code [batch, length, d]}: the last layer's hidden states. */
  public static final String OUTPUT_HIDDEN = "last_hidden_state";

  /** The outputs in graph order; the first holds the pooled vectors, as the manifest requires. */
  public static final List<String> OUTPUT_NAMES = List.of(OUTPUT_POOLED, OUTPUT_EMBEDDING,
      OUTPUT_HIDDEN);

  /** Version of this contract (inputs, outputs, metadata keys), stored in the model's metadata. */
  public static final int MODEL_FORMAT_VERSION = 1;
  /** Value of {@link #META_KIND}. */
  public static final String MODEL_KIND = "recformer-encoder";

  /** metadata_props key: {@link #MODEL_KIND}. */
  public static final String META_KIND = "recformer.kind";
  /** metadata_props key: {@link #MODEL_FORMAT_VERSION} as decimal text. */
  public static final String META_FORMAT_VERSION = "recformer.formatVersion";
  /** metadata_props key: the config as JSON ({@link ConfigJson}). */
  public static final String META_CONFIG = "recformer.config";
  /** metadata_props key: the provenance as a JSON object (the manifest's provenance layout). */
  public static final String META_PROVENANCE = "recformer.provenance";
  /** metadata_props key: the ONNX opset the graph was built for, as decimal text. */
  public static final String META_OPSET = "recformer.opset";

  private EncoderModelContract() {}
}
