package io.recformer.core.format;

import io.recformer.core.config.RecformerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The interface of a bundle's {@code model.onnx}, shared by the exporter (recformer-train) and the
 * server (recformer-infer) so both sides spell names the same way. Documented in {@code
 * docs/formats.md} (section "Model bundle").
 *
 * <p>Inputs are the six {@link io.recformer.core.text.EncodedBatch} arrays as int64 {@code [batch,
 * length]} tensors with dynamic batch and length; any length works (the graph pads to a multiple of
 * w/2 itself). Outputs are float32.
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
  public static final List<String> INPUT_NAMES =
      List.of(
          INPUT_IDS,
          TOKEN_TYPE_IDS,
          POSITION_IDS,
          ITEM_POSITION_IDS,
          ATTENTION_MASK,
          GLOBAL_ATTENTION_MASK);

  /** {@code [batch, d]}: the pooled vector (CLS or masked mean, per the config's pooling). */
  public static final String OUTPUT_POOLED = "pooled";

  /** {@code [batch, d]}: the pooled vector divided by its L2 norm (what scoring by cosine uses). */
  public static final String OUTPUT_EMBEDDING = "embedding";

  /** {@code [batch, length, d]}: the last layer's hidden states. */
  public static final String OUTPUT_HIDDEN = "last_hidden_state";

  /** The outputs in graph order; the first holds the pooled vectors, as the manifest requires. */
  public static final List<String> OUTPUT_NAMES =
      List.of(OUTPUT_POOLED, OUTPUT_EMBEDDING, OUTPUT_HIDDEN);

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

  /**
   * metadata_props key, present only in quantized models: {@link BundleQuantization#summary()},
   * which must equal the summary of the manifest's {@code quantization}.
   */
  public static final String META_QUANTIZATION = "recformer.quantization";

  private EncoderModelContract() {}

  /**
   * Checks a model's metadata_props against the bundle manifest that ships it: the kind, a
   * supported format version, and a config equal to the manifest's (a model exported from one
   * training run must not be served with another run's manifest or tokenizer settings).
   *
   * @param metadata the model's metadata_props
   * @param manifest the bundle's manifest
   * @param modelFile the model file, named in messages
   * @throws ArtifactFormatException naming the file, the key and the expected value
   */
  public static void verifyMetadata(
      Map<String, String> metadata, BundleManifest manifest, String modelFile)
      throws ArtifactFormatException {
    String kind = metadata.get(META_KIND);
    if (!MODEL_KIND.equals(kind)) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s has metadata %s = %s, expected '%s': it is not a model exported by recformer",
              modelFile,
              META_KIND,
              kind == null ? "(missing)" : "'" + kind + "'",
              MODEL_KIND));
    }
    String version = metadata.get(META_FORMAT_VERSION);
    int v;
    try {
      v = Integer.parseInt(version == null ? "" : version.trim());
    } catch (NumberFormatException e) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s has metadata %s = %s, expected an integer",
              modelFile,
              META_FORMAT_VERSION,
              version == null ? "(missing)" : "'" + version + "'"),
          e);
    }
    if (v < 1 || v > MODEL_FORMAT_VERSION) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s has model format version %d; this library reads versions 1 to %d%s",
              modelFile,
              v,
              MODEL_FORMAT_VERSION,
              v > MODEL_FORMAT_VERSION
                  ? ": it was written by a newer recformer, upgrade the library (this is "
                      + LibraryVersion.get()
                      + ")"
                  : ""));
    }
    String json = metadata.get(META_CONFIG);
    if (json == null) {
      throw new ArtifactFormatException(
          modelFile
              + " has no metadata "
              + META_CONFIG
              + ": cannot check that it matches the manifest's config");
    }
    RecformerConfig modelConfig = ConfigJson.fromJson(json, modelFile + " metadata " + META_CONFIG);
    if (!modelConfig.equals(manifest.config())) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "the manifest's config does not match the config stored in %s: %s (the manifest and"
                  + " the model come from different exports)",
              modelFile,
              differences(manifest.config(), modelConfig)));
    }
    String modelQuantization = metadata.get(META_QUANTIZATION);
    String manifestQuantization =
        manifest.quantization().map(BundleQuantization::summary).orElse(null);
    if (!Objects.equals(modelQuantization, manifestQuantization)) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "the manifest's quantization (%s) does not match the quantization stored in %s (%s):"
                  + " the manifest and the model come from different exports",
              manifestQuantization == null ? "none, float32" : manifestQuantization,
              modelFile,
              modelQuantization == null ? "none, float32" : modelQuantization));
    }
  }

  /** "hiddenSize: manifest 384, model 256; ..." for every differing component. */
  private static String differences(RecformerConfig manifest, RecformerConfig model) {
    List<String> out = new ArrayList<>();
    for (var c : RecformerConfig.class.getRecordComponents()) {
      try {
        Object a = c.getAccessor().invoke(manifest);
        Object b = c.getAccessor().invoke(model);
        if (!a.equals(b)) {
          out.add(c.getName() + ": manifest " + a + ", model " + b);
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read config component " + c.getName(), e);
      }
    }
    return String.join("; ", out);
  }
}
