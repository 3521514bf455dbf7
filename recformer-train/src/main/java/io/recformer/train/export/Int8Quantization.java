package io.recformer.train.export;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.BundleQuantization.Granularity;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.RecformerTokenizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Settings of int8 dynamic quantization at export ({@link OnnxExporter}): every Linear layer of the
 * encoder (the fused q/k/v projection, the global query projection, the attention output and both
 * FFN matrices) runs as {@code DynamicQuantizeLinear} + {@code MatMulInteger} with int8 weights,
 * except the layers listed in {@link #float32Layers}. Embeddings, LayerNorm, attention scores and
 * biases stay float32. Made for CPU serving (ONNX Runtime fuses the pattern into its int8 kernels);
 * a GPU gains nothing from it.
 *
 * @param weightGranularity {@link Granularity#PER_CHANNEL} (one scale per output column; more
 *     accurate at the same speed, the default) or {@link Granularity#PER_TENSOR} (one scale per
 *     matrix)
 * @param float32Layers layers kept in float32, by weight name without {@code .weight} (e.g. {@code
 *     encoder.layer.5.output.dense}, {@code encoder.layer.0.attention.self.qkv} for the fused q/k/v
 *     projection); each costs speed and buys accuracy. Names that are not a Linear layer of the
 *     model are rejected at export. Typical: none
 * @param calibration sequences (items or histories as the model will see them) that the float32
 *     model runs on at export to measure each Linear input's per-channel range, to find outlier
 *     channels (MiniLM's hidden states have a few channels 5-20x larger than the rest, which would
 *     otherwise stretch the int8 range of every activation). Empty: no outlier handling (much less
 *     accurate on MiniLM, see docs/benchmarks.md). Typical: 256 catalog items
 * @param outlierThreshold a channel whose calibrated max |x_k| exceeds this multiple of the layer's
 *     median channel maximum is computed in float32 (a small dense product) and left out of the
 *     int8 range. Lower: more float32 channels, finer int8 steps for the rest, a little slower.
 *     Typical: 1.25 (the default) to 2; ignored without calibration
 */
public record Int8Quantization(
    Granularity weightGranularity,
    List<String> float32Layers,
    List<EncodedSequence> calibration,
    double outlierThreshold) {

  /**
   * The default {@link #outlierThreshold}: the highest measured that keeps every item of the
   * Scientific catalog within cosine 0.999 of float32 on a CPU with VNNI (min 0.99911, calibrated
   * on Office items; docs/benchmarks.md, "Int8 quantization"). 1.5 and 2 are faster there and leave
   * a few items at 0.998-0.999.
   */
  public static final double DEFAULT_OUTLIER_THRESHOLD = 1.25;

  public Int8Quantization {
    Objects.requireNonNull(weightGranularity, "weightGranularity");
    if (float32Layers == null
        || float32Layers.stream().anyMatch(n -> n == null || n.isBlank())
        || new HashSet<>(float32Layers).size() != float32Layers.size()) {
      throw new IllegalArgumentException(
          "float32Layers = " + float32Layers + " must be a list of distinct, non-blank names");
    }
    float32Layers = List.copyOf(float32Layers);
    calibration = List.copyOf(calibration);
    if (!(outlierThreshold > 1) || Double.isInfinite(outlierThreshold)) {
      throw new IllegalArgumentException(
          "outlierThreshold = " + outlierThreshold + " is out of range: must be finite and > 1");
    }
  }

  /**
   * Names of the Linear layers of an exported encoder with this config, in graph order: per encoder
   * layer the fused q/k/v projection ({@code attention.self.qkv}), the global query projection, the
   * attention output and the two FFN matrices. These are the names {@link #float32Layers} accepts.
   */
  public static List<String> linearLayers(RecformerConfig config) {
    return EncoderGraph.linearLayers(config);
  }

  /** Per-channel weight scales, every Linear layer in int8. */
  public static Int8Quantization perChannel() {
    return new Int8Quantization(
        Granularity.PER_CHANNEL, List.of(), List.of(), DEFAULT_OUTLIER_THRESHOLD);
  }

  /** One weight scale per matrix, every Linear layer in int8. */
  public static Int8Quantization perTensor() {
    return new Int8Quantization(
        Granularity.PER_TENSOR, List.of(), List.of(), DEFAULT_OUTLIER_THRESHOLD);
  }

  /** These settings keeping {@code layers} in float32. */
  public Int8Quantization withFloat32Layers(List<String> layers) {
    return new Int8Quantization(weightGranularity, layers, calibration, outlierThreshold);
  }

  /** These settings calibrated on {@code sequences} (see {@link #calibration}). */
  public Int8Quantization withCalibration(List<EncodedSequence> sequences) {
    return new Int8Quantization(weightGranularity, float32Layers, sequences, outlierThreshold);
  }

  /**
   * These settings calibrated on {@code count} catalog items spread evenly over the catalog (item i
   * * size / count), encoded by {@code tokenizer} as the served model will see them.
   */
  public Int8Quantization withCalibrationItems(
      RecformerTokenizer tokenizer, ItemCatalog catalog, int count) {
    if (count < 1) {
      throw new IllegalArgumentException(
          "calibration item count = " + count + " is out of range: must be >= 1");
    }
    int n = Math.min(count, catalog.size());
    List<EncodedSequence> sequences = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      sequences.add(tokenizer.encodeItem(catalog.get((int) ((long) i * catalog.size() / n))));
    }
    return withCalibration(sequences);
  }

  /** These settings with another {@link #outlierThreshold}. */
  public Int8Quantization withOutlierThreshold(double threshold) {
    return new Int8Quantization(weightGranularity, float32Layers, calibration, threshold);
  }
}
