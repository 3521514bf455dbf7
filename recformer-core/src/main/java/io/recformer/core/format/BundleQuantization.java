package io.recformer.core.format;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How a bundle's {@code model.onnx} was quantized, as its manifest records it (field {@code
 * quantization}, bundle format version 2; {@code docs/formats.md}). A bundle without this record
 * holds a float32 model.
 *
 * @param scheme the quantization scheme
 * @param weightGranularity one scale per weight matrix or one per output column
 * @param quantizedLayers how many Linear layers (MatMul with a constant weight) run in int8
 * @param float32Layers the Linear layers deliberately kept in float32 (weight names without {@code
 *     .weight}, e.g. {@code encoder.layer.5.output.dense}), in graph order
 * @param calibrationSequences how many sequences the float32 model ran on to measure each Linear
 *     input's per-channel range; 0 if not calibrated
 * @param outlierThreshold with calibration, an input channel whose largest |x_k| exceeds this
 *     multiple of the layer's median channel maximum is an outlier channel: its products are
 *     computed in float32 and it is left out of the int8 activation range; 0 without calibration
 * @param outlierChannels the number of such channels over all int8 layers
 */
public record BundleQuantization(
    Scheme scheme,
    Granularity weightGranularity,
    int quantizedLayers,
    List<String> float32Layers,
    int calibrationSequences,
    double outlierThreshold,
    int outlierChannels) {

  /** A quantization scheme. */
  public enum Scheme {
    /**
     * Int8 weights (symmetric, zero point 0) fixed at export; each activation quantized to uint8 at
     * run time from its own range (ONNX {@code DynamicQuantizeLinear}), multiplied with {@code
     * MatMulInteger} and scaled back to float32; biases and everything else stay float32.
     */
    INT8_DYNAMIC("int8-dynamic");

    private final String json;

    Scheme(String json) {
      this.json = json;
    }

    /** The JSON spelling. */
    public String json() {
      return json;
    }

    static Scheme fromJson(String value) {
      for (Scheme s : values()) {
        if (s.json.equals(value)) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "scheme = '"
              + value
              + "' is unknown; known: "
              + Arrays.stream(values()).map(Scheme::json).toList());
    }
  }

  /** How many scales a weight matrix has. */
  public enum Granularity {
    /** One scale for the whole matrix. */
    PER_TENSOR("per-tensor"),
    /** One scale per output column (per output channel), so small columns keep their precision. */
    PER_CHANNEL("per-channel");

    private final String json;

    Granularity(String json) {
      this.json = json;
    }

    /** The JSON and command-line spelling. */
    public String json() {
      return json;
    }

    /** The granularity spelled {@code value} ({@code per-tensor} or {@code per-channel}). */
    public static Granularity fromJson(String value) {
      for (Granularity g : values()) {
        if (g.json.equals(value)) {
          return g;
        }
      }
      throw new IllegalArgumentException(
          "weightGranularity = '"
              + value
              + "' is unknown; known: "
              + Arrays.stream(values()).map(Granularity::json).toList());
    }
  }

  public BundleQuantization {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(weightGranularity, "weightGranularity");
    if (quantizedLayers < 1) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "quantizedLayers = %d is out of range: a quantized model has >= 1 int8 layer",
              quantizedLayers));
    }
    if (float32Layers == null
        || float32Layers.stream().anyMatch(n -> n == null || n.isBlank())
        || new HashSet<>(float32Layers).size() != float32Layers.size()) {
      throw new IllegalArgumentException(
          "float32Layers = " + float32Layers + " must be a list of distinct, non-blank names");
    }
    float32Layers = List.copyOf(float32Layers);
    if (calibrationSequences < 0) {
      throw new IllegalArgumentException(
          "calibrationSequences = " + calibrationSequences + " is out of range: must be >= 0");
    }
    boolean valid =
        calibrationSequences == 0
            ? outlierThreshold == 0 && outlierChannels == 0
            : outlierThreshold > 1 && outlierChannels >= 0;
    if (!valid) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "outlierThreshold = %s, outlierChannels = %d: with calibration the threshold must be"
                  + " > 1 and the channels >= 0, without (calibrationSequences = %d) both 0",
              outlierThreshold,
              outlierChannels,
              calibrationSequences));
    }
  }

  /** One line for logs and model metadata. */
  public String summary() {
    return String.format(
        Locale.ROOT,
        "%s, %s weights, %d int8 layers, %d float32 layers%s, %s",
        scheme.json(),
        weightGranularity.json(),
        quantizedLayers,
        float32Layers.size(),
        float32Layers.isEmpty() ? "" : " " + float32Layers,
        calibrationSequences == 0
            ? "not calibrated"
            : String.format(
                Locale.ROOT,
                "%d float32 outlier channels (threshold %s x median, %d calibration sequences)",
                outlierChannels,
                outlierThreshold,
                calibrationSequences));
  }

  ObjectNode toNode() {
    ObjectNode node = ManifestFiles.MAPPER.createObjectNode();
    node.put("scheme", scheme.json());
    node.put("weightGranularity", weightGranularity.json());
    node.put("quantizedLayers", quantizedLayers);
    ArrayNode kept = node.putArray("float32Layers");
    float32Layers.forEach(kept::add);
    node.put("calibrationSequences", calibrationSequences);
    node.put("outlierThreshold", outlierThreshold);
    node.put("outlierChannels", outlierChannels);
    return node;
  }

  static BundleQuantization read(Fields f) throws ArtifactFormatException {
    String scheme = f.string("scheme");
    String granularity = f.string("weightGranularity");
    int layers = f.int32("quantizedLayers");
    List<String> kept = f.stringList("float32Layers");
    int calibration = f.int32("calibrationSequences");
    double threshold = f.number("outlierThreshold");
    int outliers = f.int32("outlierChannels");
    f.rejectUnknown();
    try {
      return new BundleQuantization(
          Scheme.fromJson(scheme),
          Granularity.fromJson(granularity),
          layers,
          kept,
          calibration,
          threshold,
          outliers);
    } catch (IllegalArgumentException e) {
      throw f.invalid(e);
    }
  }
}
