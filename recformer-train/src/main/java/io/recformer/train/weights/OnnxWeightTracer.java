package io.recformer.train.weights;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Recovers Hugging Face parameter names and {@code [out, in]} layouts from a BERT-like model that
 * PyTorch exported to ONNX.
 *
 * <p>The exporter keeps the names of biases, LayerNorm parameters and embedding tables, but stores
 * every Linear weight pre-transposed ({@code [in, out]}) under a generated name such as {@code
 * onnx::MatMul_787}, and the initializer order says nothing about which projection is which. So the
 * weights are recovered from the graph structure: a Linear layer is exported as {@code MatMul(x,
 * W)} whose output feeds exactly one {@code Add} with the layer's named bias ({@code
 * encoder.layer.0.attention.self.key.bias}); the bias name minus {@code .bias} names the weight.
 * This tells query, key and value apart even though their MatMuls look identical.
 *
 * <p>Tensors may live in {@code raw_data} or in the typed repeated fields, as initializers or as
 * {@code Constant} nodes; FLOAT, DOUBLE, FLOAT16 and BFLOAT16 are widened to float. External data
 * files are not supported (the bundled model has none).
 */
final class OnnxWeightTracer {

  private OnnxWeightTracer() {}

  /**
   * Parses an ONNX model and returns its float parameters under their Hugging Face names, Linear
   * weights transposed to {@code [out, in]}.
   *
   * @param source names the file or resource in error messages
   * @throws IOException if the stream is not an ONNX model or a weight cannot be traced
   */
  static Map<String, WeightTensor> read(InputStream in, String source) throws IOException {
    OnnxMl.ModelProto model;
    try {
      CodedInputStream coded = CodedInputStream.newInstance(in);
      // Models are larger than protobuf's historical 64 MB default limit.
      coded.setSizeLimit(Integer.MAX_VALUE);
      model = OnnxMl.ModelProto.parseFrom(coded);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(source + ": not a readable ONNX model (" + e.getMessage() + ")", e);
    }
    if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
      throw new IOException(source + ": ONNX model has no graph nodes");
    }
    return trace(model.getGraph(), source);
  }

  static Map<String, WeightTensor> trace(OnnxMl.GraphProto graph, String source)
      throws IOException {
    Map<String, OnnxMl.TensorProto> constants = new LinkedHashMap<>();
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      constants.put(t.getName(), t);
    }
    for (OnnxMl.NodeProto node : graph.getNodeList()) {
      if (node.getOpType().equals("Constant") && node.getOutputCount() == 1) {
        for (OnnxMl.AttributeProto attribute : node.getAttributeList()) {
          if (attribute.getName().equals("value") && attribute.hasT()) {
            constants.put(node.getOutput(0), attribute.getT());
          }
        }
      }
    }
    Map<String, List<OnnxMl.NodeProto>> consumers = new HashMap<>();
    for (OnnxMl.NodeProto node : graph.getNodeList()) {
      for (String input : node.getInputList()) {
        consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(node);
      }
    }

    Map<String, WeightTensor> result = new LinkedHashMap<>();
    Set<String> traced = new HashSet<>();
    for (OnnxMl.NodeProto node : graph.getNodeList()) {
      if (!node.getOpType().equals("MatMul") || node.getInputCount() != 2) {
        continue;
      }
      String weightInput = node.getInput(1);
      OnnxMl.TensorProto weight = constants.get(weightInput);
      if (weight == null || weight.getDimsCount() != 2) {
        continue; // activation x activation (attention scores), not a Linear layer
      }
      String biasName = followingBias(node, consumers, constants, source);
      String name = biasName.substring(0, biasName.length() - ".bias".length()) + ".weight";
      long in = weight.getDims(0);
      long out = weight.getDims(1);
      long biasLength = elementCount(constants.get(biasName));
      if (biasLength != out) {
        throw new IOException(
            String.format(
                Locale.ROOT,
                "%s: MatMul '%s' multiplies by '%s' of shape [%d, %d] but its bias '%s' has %d"
                    + " values, expected %d",
                source,
                node.getName(),
                weightInput,
                in,
                out,
                biasName,
                biasLength,
                out));
      }
      if (result.containsKey(name)) {
        throw new IOException(
            source
                + ": two MatMul nodes trace to the same weight '"
                + name
                + "' (second: '"
                + node.getName()
                + "' with '"
                + weightInput
                + "')");
      }
      float[] inOut = floats(weight, weightInput, source);
      result.put(
          name,
          new WeightTensor(name, new long[] {out, in}, transpose(inOut, (int) in, (int) out)));
      traced.add(weightInput);
    }

    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      String name = t.getName();
      if (traced.contains(name) || !isFloat(t)) {
        continue; // traced above, or integer bookkeeping such as embeddings.position_ids
      }
      if (name.endsWith(".weight") || name.endsWith(".bias")) {
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        result.put(name, new WeightTensor(name, shape, floats(t, name, source)));
      } else if (t.getDimsCount() >= 2) {
        // An unnamed matrix that no Linear layer consumed would silently be lost.
        throw new IOException(
            source
                + ": initializer '"
                + name
                + "' of shape "
                + t.getDimsList()
                + " is neither a named parameter nor the weight of a MatMul followed by a bias"
                + " Add");
      }
    }
    return result;
  }

  /** The name of the bias added right after {@code matMul}; fails if the pattern is not there. */
  private static String followingBias(
      OnnxMl.NodeProto matMul,
      Map<String, List<OnnxMl.NodeProto>> consumers,
      Map<String, OnnxMl.TensorProto> constants,
      String source)
      throws IOException {
    List<OnnxMl.NodeProto> next = consumers.getOrDefault(matMul.getOutput(0), List.of());
    if (next.size() == 1
        && next.get(0).getOpType().equals("Add")
        && next.get(0).getInputCount() == 2) {
      OnnxMl.NodeProto add = next.get(0);
      String other =
          add.getInput(0).equals(matMul.getOutput(0)) ? add.getInput(1) : add.getInput(0);
      if (other.endsWith(".bias") && constants.containsKey(other)) {
        return other;
      }
    }
    throw new IOException(
        source
            + ": MatMul '"
            + matMul.getName()
            + "' multiplies by initializer '"
            + matMul.getInput(1)
            + "' but is not followed by exactly one Add of a named '*.bias' initializer,"
            + " so its parameter name cannot be traced");
  }

  private static boolean isFloat(OnnxMl.TensorProto t) {
    int type = t.getDataType();
    return type == OnnxMl.TensorProto.DataType.FLOAT_VALUE
        || type == OnnxMl.TensorProto.DataType.DOUBLE_VALUE
        || type == OnnxMl.TensorProto.DataType.FLOAT16_VALUE
        || type == OnnxMl.TensorProto.DataType.BFLOAT16_VALUE;
  }

  private static long elementCount(OnnxMl.TensorProto t) {
    long n = 1;
    for (long d : t.getDimsList()) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** The tensor's values widened to float, from raw_data or the typed field. */
  static float[] floats(OnnxMl.TensorProto t, String name, String source) throws IOException {
    if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
      throw new IOException(
          source + ": tensor '" + name + "' uses external data, which is not supported");
    }
    long count = elementCount(t);
    if (count > Integer.MAX_VALUE) {
      throw new IOException(
          source
              + ": tensor '"
              + name
              + "' has "
              + count
              + " elements, more than a Java array holds");
    }
    int n = (int) count;
    ByteString raw = t.getRawData();
    float[] values = new float[n];
    int type = t.getDataType();
    int width =
        switch (type) {
          case OnnxMl.TensorProto.DataType.FLOAT_VALUE -> 4;
          case OnnxMl.TensorProto.DataType.DOUBLE_VALUE -> 8;
          case OnnxMl.TensorProto.DataType.FLOAT16_VALUE,
              OnnxMl.TensorProto.DataType.BFLOAT16_VALUE ->
              2;
          default ->
              throw new IOException(
                  source
                      + ": tensor '"
                      + name
                      + "' has data type "
                      + type
                      + ", expected FLOAT (1), DOUBLE (11), FLOAT16 (10) or BFLOAT16 (16)");
        };
    if (!raw.isEmpty()) {
      if (raw.size() != (long) n * width) {
        throw new IOException(
            String.format(
                Locale.ROOT,
                "%s: tensor '%s' of shape %s has %d raw bytes, expected %d",
                source,
                name,
                t.getDimsList(),
                raw.size(),
                (long) n * width));
      }
      ByteBuffer buf = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        values[i] =
            switch (width) {
              case 4 -> buf.getFloat();
              case 8 -> (float) buf.getDouble();
              default ->
                  type == OnnxMl.TensorProto.DataType.FLOAT16_VALUE
                      ? HalfFloats.halfToFloat(buf.getShort())
                      : HalfFloats.bfloat16ToFloat(buf.getShort());
            };
      }
      return values;
    }
    int stored =
        switch (width) {
          case 4 -> t.getFloatDataCount();
          case 8 -> t.getDoubleDataCount();
          default ->
              t.getInt32DataCount(); // 16-bit types are kept one per int32 in the typed field
        };
    if (stored != n) {
      throw new IOException(
          String.format(
              Locale.ROOT,
              "%s: tensor '%s' of shape %s stores %d values, expected %d",
              source,
              name,
              t.getDimsList(),
              stored,
              n));
    }
    for (int i = 0; i < n; i++) {
      values[i] =
          switch (width) {
            case 4 -> t.getFloatData(i);
            case 8 -> (float) t.getDoubleData(i);
            default ->
                type == OnnxMl.TensorProto.DataType.FLOAT16_VALUE
                    ? HalfFloats.halfToFloat((short) t.getInt32Data(i))
                    : HalfFloats.bfloat16ToFloat((short) t.getInt32Data(i));
          };
    }
    return values;
  }

  /** {@code [rows, cols]} row-major to {@code [cols, rows]} row-major. */
  static float[] transpose(float[] values, int rows, int cols) {
    float[] out = new float[values.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = values[r * cols + c];
      }
    }
    return out;
  }
}
