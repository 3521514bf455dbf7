package io.recformer.train.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * A thin builder over the ONNX protobuf classes: nodes with generated output names, constants and
 * weights as initializers (float32 and int64 in little-endian {@code raw_data}, as the ONNX spec
 * requires). Names are deterministic (a counter), so the same model always serializes to the same
 * bytes.
 */
final class OnnxGraph {

  private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
  private int counter;

  OnnxGraph(String name) {
    graph.setName(name);
  }

  OnnxMl.GraphProto build() {
    return graph.build();
  }

  /** Declares a graph input or output tensor; a null dimension name means a fixed size. */
  static OnnxMl.ValueInfoProto valueInfo(String name, int elemType, Object... dims) {
    OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
    for (Object d : dims) {
      OnnxMl.TensorShapeProto.Dimension.Builder dim =
          OnnxMl.TensorShapeProto.Dimension.newBuilder();
      if (d instanceof String param) {
        dim.setDimParam(param);
      } else {
        dim.setDimValue(((Number) d).longValue());
      }
      shape.addDim(dim);
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)))
        .build();
  }

  void input(String name, int elemType, Object... dims) {
    graph.addInput(valueInfo(name, elemType, dims));
  }

  void output(String name, int elemType, Object... dims) {
    graph.addOutput(valueInfo(name, elemType, dims));
  }

  /** A node with one generated output. */
  String op(String type, List<String> inputs, OnnxMl.AttributeProto... attributes) {
    return ops(type, 1, inputs, attributes)[0];
  }

  /** A node with one output of a chosen name (graph outputs). */
  String opNamed(
      String output, String type, List<String> inputs, OnnxMl.AttributeProto... attributes) {
    node(type, inputs, List.of(output), attributes);
    return output;
  }

  /** A node with {@code count} generated outputs. */
  String[] ops(String type, int count, List<String> inputs, OnnxMl.AttributeProto... attributes) {
    String[] outputs = new String[count];
    int id = counter++;
    for (int i = 0; i < count; i++) {
      outputs[i] = type + "_" + id + (count == 1 ? "" : "_" + i);
    }
    node(type, inputs, List.of(outputs), attributes);
    return outputs;
  }

  private void node(
      String type, List<String> inputs, List<String> outputs, OnnxMl.AttributeProto... attributes) {
    OnnxMl.NodeProto.Builder node =
        OnnxMl.NodeProto.newBuilder()
            .setOpType(type)
            .setName(type + "_node_" + graph.getNodeCount())
            .addAllInput(inputs)
            .addAllOutput(outputs);
    for (OnnxMl.AttributeProto a : attributes) {
      node.addAttribute(a);
    }
    graph.addNode(node);
  }

  /** A float32 initializer with the given name and shape. */
  String floats(String name, long[] shape, float[] values) {
    ByteBuffer buffer =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    graph.addInitializer(
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
            .addAllDims(box(shape))
            .setRawData(ByteString.copyFrom(buffer.array())));
    return name;
  }

  /** A scalar float32 constant. */
  String scalar(float value) {
    return floats("const_" + counter++, new long[0], new float[] {value});
  }

  /** A 1-D int64 constant. */
  String int64s(long... values) {
    return int64Tensor(new long[] {values.length}, values);
  }

  /** A 0-D int64 constant. */
  String int64Scalar(long value) {
    return int64Tensor(new long[0], new long[] {value});
  }

  private String int64Tensor(long[] shape, long[] values) {
    String name = "const_" + counter++;
    ByteBuffer buffer =
        ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asLongBuffer().put(values);
    graph.addInitializer(
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
            .addAllDims(box(shape))
            .setRawData(ByteString.copyFrom(buffer.array())));
    return name;
  }

  static OnnxMl.AttributeProto attr(String name, long value) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  static OnnxMl.AttributeProto attr(String name, float value) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  static OnnxMl.AttributeProto attrInts(String name, long... values) {
    OnnxMl.AttributeProto.Builder a =
        OnnxMl.AttributeProto.newBuilder()
            .setName(name)
            .setType(OnnxMl.AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  private static List<Long> box(long[] shape) {
    return Arrays.stream(shape).boxed().toList();
  }
}
