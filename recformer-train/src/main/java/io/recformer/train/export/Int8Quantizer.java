package io.recformer.train.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.recformer.core.format.BundleQuantization;
import io.recformer.core.format.BundleQuantization.Granularity;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Rewrites an exported encoder graph for int8 dynamic quantization with standard ONNX operators.
 * Every {@code MatMul} whose second input is a constant float32 {@code [K, N]} Linear weight
 * (initializer {@code <layer>.weight_t}) becomes
 *
 * <pre>
 *   x ─ DynamicQuantizeLinear ─┬─ x_q (uint8), x_zero ─ MatMulInteger(x_q, W_q (int8), x_zero) ─ Cast(float)
 *                              └─ x_scale ─ Mul(x_scale, w_scale) ─────────────────────────────── Mul ─ y
 * </pre>
 *
 * <p>with W_q = round(W / w_scale) in [-127, 127] (symmetric, zero point 0, so MatMulInteger needs
 * no weight zero point) and w_scale = max |W| / 127 for the whole matrix or, per channel, for each
 * output column: MatMulInteger multiplies exact integers, so a per-column scale applied after the
 * product by a broadcast {@code Mul} with an {@code [N]} vector is exact. The output keeps the
 * MatMul's name, so the bias {@code Add} that follows stays float32. This is the pattern ONNX
 * Runtime's CPU provider fuses into its prepacked int8 kernel (MatMulIntegerToFloat, then
 * DynamicQuantizeMatMul), which is why each MatMul gets its own DynamicQuantizeLinear and the scale
 * product is its own {@code Mul(x_scale, w_scale)}.
 *
 * <p>uint8 activations with int8 weights is the fast combination on x86 CPUs with AVX-512 VNNI or
 * AVX-VNNI; on older AVX2 CPUs without VNNI the u8 x s8 products can saturate 16-bit intermediate
 * sums (ONNX Runtime's own tool offers 7-bit weights for them); not handled here.
 *
 * <p>Just over 400 lines: calibration, the outlier split and the graph rewrite share the per-layer
 * statistics.
 */
final class Int8Quantizer {

  static final String WEIGHT_SUFFIX = ".weight_t";
  private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT.getNumber();
  private static final int INT8 = OnnxMl.TensorProto.DataType.INT8.getNumber();
  private static final int QMAX = 127;

  /** The rewritten graph and what the manifest records about it. */
  record Result(OnnxMl.GraphProto graph, BundleQuantization quantization) {}

  private Int8Quantizer() {}

  /**
   * The quantized graph.
   *
   * @throws IllegalArgumentException if a layer to keep in float32 is not a Linear layer of the
   *     graph, or every layer is kept in float32
   */
  static Result quantize(
      OnnxMl.GraphProto graph, Int8Quantization settings, Map<String, float[]> channelMax) {
    Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      initializers.put(t.getName(), t);
    }
    List<String> layers = new ArrayList<>();
    for (OnnxMl.NodeProto node : graph.getNodeList()) {
      String layer = linearLayer(node, initializers);
      if (layer != null) {
        layers.add(layer);
      }
    }
    Set<String> kept = new LinkedHashSet<>(settings.float32Layers());
    List<String> unknown = kept.stream().filter(k -> !layers.contains(k)).toList();
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "float32Layers %s are not Linear layers of this model; its Linear layers are %s",
              unknown,
              layers));
    }
    if (kept.size() == layers.size()) {
      throw new IllegalArgumentException(
          "float32Layers keeps all " + layers.size() + " Linear layers: nothing to quantize");
    }

    OnnxMl.GraphProto.Builder out = graph.toBuilder().clearNode().clearInitializer();
    Set<String> replacedWeights = new LinkedHashSet<>();
    List<OnnxMl.TensorProto> added = new ArrayList<>();
    List<String> float32InOrder = new ArrayList<>();
    int quantized = 0;
    int outlierChannels = 0;
    // Bias Adds of outlier layers, by the Add's output: rewritten to take the int8 product, with
    // the float32 outlier product added after the bias (see below).
    Map<String, String> outlierSumAfterBias = new HashMap<>();
    for (OnnxMl.NodeProto node : graph.getNodeList()) {
      String layer = linearLayer(node, initializers);
      if (layer == null) {
        String deferred =
            node.getOutputCount() == 1 ? outlierSumAfterBias.get(node.getOutput(0)) : null;
        if (deferred == null) {
          out.addNode(node);
        } else {
          out.addNode(
              node.toBuilder()
                  .setInput(0, deferred + ".y_inliers")
                  .setOutput(0, deferred + ".y_biased")
                  .build());
          out.addNode(
              node(
                  "Add",
                  deferred + ".outliers",
                  List.of(deferred + ".y_biased", deferred + ".y_outliers"),
                  List.of(node.getOutput(0))));
        }
        continue;
      }
      if (kept.contains(layer)) {
        float32InOrder.add(layer);
        out.addNode(node);
        continue;
      }
      OnnxMl.TensorProto weight = initializers.get(node.getInput(1));
      int[] outliers =
          channelMax.containsKey(layer)
              ? outlierChannels(channelMax.get(layer), settings.outlierThreshold(), weight)
              : new int[0];
      QuantizedWeight q = quantizeWeight(weight, outliers, settings.weightGranularity());
      String weightQ = layer + ".weight_q";
      String weightScale = layer + ".weight_scale";
      added.add(int8Tensor(weightQ, weight.getDimsList(), q.values));
      added.add(
          floatTensor(
              weightScale,
              q.scales.length == 1 ? List.of() : List.of((long) q.scales.length),
              q.scales));
      String x = node.getInput(0);
      String product = node.getOutput(0);
      if (outliers.length > 0) {
        // int8 path without the outlier channels; their products in float32, added back.
        int k = Math.toIntExact(weight.getDims(0));
        float[] mask = new float[k];
        Arrays.fill(mask, 1f);
        for (int c : outliers) {
          mask[c] = 0f;
        }
        added.add(floatTensor(layer + ".inlier_mask", List.of((long) k), mask));
        added.add(int64Tensor(layer + ".outlier_channels", outliers));
        added.add(outlierRows(layer + ".outlier_weight", weight, outliers));
        out.addNode(
            node(
                "Mul",
                layer + ".inliers",
                List.of(x, layer + ".inlier_mask"),
                List.of(layer + ".x_inliers")));
        out.addNode(
            node(
                    "Gather",
                    layer + ".outliers",
                    List.of(x, layer + ".outlier_channels"),
                    List.of(layer + ".x_outliers"))
                .toBuilder()
                .addAttribute(OnnxGraph.attr("axis", -1))
                .build());
        out.addNode(
            node(
                "MatMul",
                layer + ".outliers",
                List.of(layer + ".x_outliers", layer + ".outlier_weight"),
                List.of(layer + ".y_outliers")));
        x = layer + ".x_inliers";
        product = layer + ".y_inliers";
      }
      String xq = layer + ".x_q";
      String xScale = layer + ".x_scale";
      String xZero = layer + ".x_zero";
      out.addNode(node("DynamicQuantizeLinear", layer, List.of(x), List.of(xq, xScale, xZero)));
      out.addNode(
          node("MatMulInteger", layer, List.of(xq, weightQ, xZero), List.of(layer + ".y_int32")));
      out.addNode(
          node("Cast", layer, List.of(layer + ".y_int32"), List.of(layer + ".y_unscaled"))
              .toBuilder()
              .addAttribute(OnnxGraph.attr("to", FLOAT))
              .build());
      out.addNode(
          node("Mul", layer + ".scale", List.of(xScale, weightScale), List.of(layer + ".y_scale")));
      out.addNode(
          node("Mul", layer, List.of(layer + ".y_unscaled", layer + ".y_scale"), List.of(product)));
      if (outliers.length > 0) {
        // ONNX Runtime folds a constant bias Add that directly follows the scale Mul into its int8
        // kernel (MatMulIntegerToFloat, then DynamicQuantizeMatMul); the outlier sum between them
        // would block that. So the bias is added first and the outlier product after it.
        OnnxMl.NodeProto bias = biasAdd(graph, node.getOutput(0), initializers);
        if (bias != null) {
          outlierSumAfterBias.put(bias.getOutput(0), layer);
        } else {
          out.addNode(
              node(
                  "Add",
                  layer + ".outliers",
                  List.of(product, layer + ".y_outliers"),
                  List.of(node.getOutput(0))));
        }
      }
      replacedWeights.add(node.getInput(1));
      quantized++;
      outlierChannels += outliers.length;
    }
    Set<String> stillUsed = new LinkedHashSet<>();
    for (OnnxMl.NodeProto node : out.getNodeList()) {
      stillUsed.addAll(node.getInputList());
    }
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      if (!replacedWeights.contains(t.getName()) || stillUsed.contains(t.getName())) {
        out.addInitializer(t);
      }
    }
    out.addAllInitializer(added);
    BundleQuantization info =
        new BundleQuantization(
            BundleQuantization.Scheme.INT8_DYNAMIC,
            settings.weightGranularity(),
            quantized,
            float32InOrder,
            channelMax.isEmpty() ? 0 : settings.calibration().size(),
            channelMax.isEmpty() ? 0 : settings.outlierThreshold(),
            outlierChannels);
    return new Result(out.build(), info);
  }

  /** Each Linear layer's activation input tensor, in graph order. */
  static Map<String, String> linearInputs(OnnxMl.GraphProto graph) {
    Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      initializers.put(t.getName(), t);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (OnnxMl.NodeProto node : graph.getNodeList()) {
      String layer = linearLayer(node, initializers);
      if (layer != null) {
        out.put(layer, node.getInput(0));
      }
    }
    return out;
  }

  /**
   * The only consumer of {@code product} if it is an {@code Add(product, constant bias)}, else
   * null.
   */
  private static OnnxMl.NodeProto biasAdd(
      OnnxMl.GraphProto graph, String product, Map<String, OnnxMl.TensorProto> initializers) {
    OnnxMl.NodeProto found = null;
    for (OnnxMl.NodeProto n : graph.getNodeList()) {
      if (n.getInputList().contains(product)) {
        if (found != null) {
          return null;
        }
        found = n;
      }
    }
    boolean isGraphOutput =
        graph.getOutputList().stream().anyMatch(o -> o.getName().equals(product));
    if (found == null
        || isGraphOutput
        || !found.getOpType().equals("Add")
        || found.getInputCount() != 2
        || !found.getInput(0).equals(product)
        || !initializers.containsKey(found.getInput(1))) {
      return null;
    }
    return found;
  }

  /** The layer name if {@code node} is a MatMul by a constant float32 [K, N] Linear weight. */
  private static String linearLayer(
      OnnxMl.NodeProto node, Map<String, OnnxMl.TensorProto> initializers) {
    if (!node.getOpType().equals("MatMul") || node.getInputCount() != 2) {
      return null;
    }
    String name = node.getInput(1);
    OnnxMl.TensorProto w = initializers.get(name);
    if (w == null
        || !name.endsWith(WEIGHT_SUFFIX)
        || w.getDataType() != FLOAT
        || w.getDimsCount() != 2) {
      return null;
    }
    return name.substring(0, name.length() - WEIGHT_SUFFIX.length());
  }

  /** Int8 values in the weight's [K, N] layout and 1 (per tensor) or N (per column) scales. */
  // Arrays for speed; compared by nobody.
  @SuppressWarnings("ArrayRecordComponent")
  record QuantizedWeight(byte[] values, float[] scales) {}

  /**
   * Input channels whose calibrated max |x_k| exceeds {@code threshold} times the median channel
   * maximum, ascending.
   */
  static int[] outlierChannels(float[] activationMax, double threshold, OnnxMl.TensorProto weight) {
    int rows = Math.toIntExact(weight.getDims(0));
    if (activationMax.length != rows) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s: %d activation channels calibrated, the weight has %d input rows",
              weight.getName(),
              activationMax.length,
              rows));
    }
    float[] sorted = activationMax.clone();
    Arrays.sort(sorted);
    double median = sorted[sorted.length / 2];
    return IntStream.range(0, rows).filter(k -> activationMax[k] > threshold * median).toArray();
  }

  /** The weight rows of the outlier channels, [outliers, N] float32. */
  private static OnnxMl.TensorProto outlierRows(
      String name, OnnxMl.TensorProto weight, int[] outliers) {
    int cols = Math.toIntExact(weight.getDims(1));
    float[] w = floats(weight);
    float[] rows = new float[outliers.length * cols];
    for (int i = 0; i < outliers.length; i++) {
      System.arraycopy(w, outliers[i] * cols, rows, i * cols, cols);
    }
    return floatTensor(name, List.of((long) outliers.length, (long) cols), rows);
  }

  /**
   * Int8 values of the weight, with the rows of {@code zeroRows} (the float32 outlier channels) set
   * to 0 so that they neither count twice nor widen the scales.
   */
  static QuantizedWeight quantizeWeight(
      OnnxMl.TensorProto weight, int[] zeroRows, Granularity granularity) {
    int rows = Math.toIntExact(weight.getDims(0));
    int cols = Math.toIntExact(weight.getDims(1));
    float[] w = floats(weight);
    for (int r : zeroRows) {
      Arrays.fill(w, r * cols, (r + 1) * cols, 0f);
    }
    float[] maxAbs = new float[granularity == Granularity.PER_CHANNEL ? cols : 1];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int s = maxAbs.length == 1 ? 0 : c;
        maxAbs[s] = Math.max(maxAbs[s], Math.abs(w[r * cols + c]));
      }
    }
    float[] scales = new float[maxAbs.length];
    for (int s = 0; s < scales.length; s++) {
      // An all-zero column gets scale 1 so that dequantization never divides by zero.
      scales[s] = maxAbs[s] > 0 ? maxAbs[s] / QMAX : 1f;
    }
    byte[] q = new byte[w.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        float scale = scales[scales.length == 1 ? 0 : c];
        long v = Math.round(Math.rint(w[r * cols + c] / scale));
        q[r * cols + c] = (byte) Math.max(-QMAX, Math.min(QMAX, v));
      }
    }
    return new QuantizedWeight(q, scales);
  }

  private static float[] floats(OnnxMl.TensorProto t) {
    if (!t.getRawData().isEmpty()) {
      float[] out = new float[t.getRawData().size() / Float.BYTES];
      t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
      return out;
    }
    float[] out = new float[t.getFloatDataCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getFloatData(i);
    }
    return out;
  }

  private static OnnxMl.NodeProto node(
      String type, String layer, List<String> inputs, List<String> outputs) {
    return OnnxMl.NodeProto.newBuilder()
        .setOpType(type)
        .setName(layer + "." + type)
        .addAllInput(inputs)
        .addAllOutput(outputs)
        .build();
  }

  private static OnnxMl.TensorProto int8Tensor(String name, List<Long> dims, byte[] values) {
    return OnnxMl.TensorProto.newBuilder()
        .setName(name)
        .setDataType(INT8)
        .addAllDims(dims)
        .setRawData(ByteString.copyFrom(values))
        .build();
  }

  private static OnnxMl.TensorProto int64Tensor(String name, int[] values) {
    ByteBuffer buffer =
        ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      buffer.putLong(v);
    }
    return OnnxMl.TensorProto.newBuilder()
        .setName(name)
        .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
        .addDims(values.length)
        .setRawData(ByteString.copyFrom(buffer.array()))
        .build();
  }

  private static OnnxMl.TensorProto floatTensor(String name, List<Long> dims, float[] values) {
    ByteBuffer buffer =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return OnnxMl.TensorProto.newBuilder()
        .setName(name)
        .setDataType(FLOAT)
        .addAllDims(dims)
        .setRawData(ByteString.copyFrom(buffer.array()))
        .build();
  }
}
