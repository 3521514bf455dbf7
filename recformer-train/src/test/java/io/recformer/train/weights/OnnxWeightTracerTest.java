package io.recformer.train.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tracer on small hand-built graphs covering each storage form and each failure. */
class OnnxWeightTracerTest {

  private static OnnxMl.TensorProto floatData(String name, long[] dims, float... values) {
    OnnxMl.TensorProto.Builder b =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE);
    for (long d : dims) {
      b.addDims(d);
    }
    for (float v : values) {
      b.addFloatData(v);
    }
    return b.build();
  }

  private static OnnxMl.TensorProto rawFloats(String name, long[] dims, float... values) {
    ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buf.putFloat(v);
    }
    OnnxMl.TensorProto.Builder b =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
            .setRawData(ByteString.copyFrom(buf.array()));
    for (long d : dims) {
      b.addDims(d);
    }
    return b.build();
  }

  private static OnnxMl.TensorProto rawHalf(String name, long[] dims, int... bits) {
    ByteBuffer buf = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : bits) {
      buf.putShort((short) v);
    }
    OnnxMl.TensorProto.Builder b =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT16_VALUE)
            .setRawData(ByteString.copyFrom(buf.array()));
    for (long d : dims) {
      b.addDims(d);
    }
    return b.build();
  }

  private static OnnxMl.NodeProto node(String op, String name, String[] inputs, String... outputs) {
    OnnxMl.NodeProto.Builder b = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name);
    for (String i : inputs) {
      b.addInput(i);
    }
    for (String o : outputs) {
      b.addOutput(o);
    }
    return b.build();
  }

  /**
   * x -> MatMul(W1 as float_data [2, 3]) -> Add(lin1.bias) -> MatMul(W2 from a Constant node, fp16
   * raw [3, 2]) -> Add(lin2.bias); plus a named LayerNorm weight and an int64 buffer. The two
   * weights are listed in reverse order to show that order does not matter.
   */
  private static OnnxMl.GraphProto.Builder graph() {
    OnnxMl.TensorProto positionIds =
        OnnxMl.TensorProto.newBuilder()
            .setName("embeddings.position_ids")
            .setDataType(OnnxMl.TensorProto.DataType.INT64_VALUE)
            .addDims(2)
            .addInt64Data(0)
            .addInt64Data(1)
            .build();
    return OnnxMl.GraphProto.newBuilder()
        .addInitializer(rawFloats("lin2.bias", new long[] {2}, 0.5f, -0.5f))
        .addInitializer(floatData("onnx::MatMul_9", new long[] {2, 3}, 1, 2, 3, 4, 5, 6))
        .addInitializer(rawFloats("lin1.bias", new long[] {3}, 7, 8, 9))
        .addInitializer(rawFloats("norm.weight", new long[] {2}, 1, 1))
        .addInitializer(positionIds)
        .addNode(
            OnnxMl.NodeProto.newBuilder()
                .setOpType("Constant")
                .setName("/c")
                .addOutput("w2")
                .addAttribute(
                    OnnxMl.AttributeProto.newBuilder()
                        .setName("value")
                        .setType(OnnxMl.AttributeProto.AttributeType.TENSOR)
                        // 1, 2, -1, 0.5, 0, 65504 as IEEE half floats
                        .setT(
                            rawHalf(
                                "",
                                new long[] {3, 2},
                                0x3C00,
                                0x4000,
                                0xBC00,
                                0x3800,
                                0x0000,
                                0x7BFF))))
        .addNode(node("MatMul", "/lin1/MatMul", new String[] {"x", "onnx::MatMul_9"}, "m1"))
        .addNode(node("Add", "/lin1/Add", new String[] {"lin1.bias", "m1"}, "a1"))
        .addNode(node("MatMul", "/lin2/MatMul", new String[] {"a1", "w2"}, "m2"))
        .addNode(node("Add", "/lin2/Add", new String[] {"m2", "lin2.bias"}, "y"));
  }

  @Test
  void tracesWeightsFromFloatDataAndConstantNodesAndTransposesThem() throws IOException {
    byte[] model =
        OnnxMl.ModelProto.newBuilder().setIrVersion(6).setGraph(graph()).build().toByteArray();
    Map<String, WeightTensor> w =
        OnnxWeightTracer.read(new ByteArrayInputStream(model), "tiny.onnx");
    assertThat(w.keySet())
        .containsExactlyInAnyOrder(
            "lin1.weight", "lin2.weight", "lin1.bias", "lin2.bias", "norm.weight");
    // [in 2, out 3] = [[1, 2, 3], [4, 5, 6]] becomes [out 3, in 2] = [[1, 4], [2, 5], [3, 6]]
    assertThat(w.get("lin1.weight").shape()).containsExactly(3, 2);
    assertThat(w.get("lin1.weight").values()).containsExactly(1, 4, 2, 5, 3, 6);
    // [in 3, out 2] = [[1, 2], [-1, 0.5], [0, 65504]] becomes [[1, -1, 0], [2, 0.5, 65504]]
    assertThat(w.get("lin2.weight").shape()).containsExactly(2, 3);
    assertThat(w.get("lin2.weight").values()).containsExactly(1, -1, 0, 2, 0.5f, 65504);
    assertThat(w.get("lin1.bias").values()).containsExactly(7, 8, 9);
    assertThat(w.get("norm.weight").values()).containsExactly(1, 1);
  }

  @Test
  void failsWhenAMatMulWeightHasNoNamedBias() {
    OnnxMl.GraphProto.Builder g = graph();
    g.setNode(2, node("Relu", "/lin1/Relu", new String[] {"m1"}, "a1"));
    assertThatThrownBy(() -> OnnxWeightTracer.trace(g.build(), "tiny.onnx"))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "tiny.onnx: MatMul '/lin1/MatMul' multiplies by initializer 'onnx::MatMul_9' but is not"
                + " followed by exactly one Add of a named '*.bias' initializer, so its parameter"
                + " name cannot be traced");
  }

  @Test
  void failsOnAnUntracedAnonymousMatrix() {
    OnnxMl.GraphProto.Builder g =
        graph().addInitializer(floatData("onnx::MatMul_77", new long[] {2, 2}, 1, 2, 3, 4));
    assertThatThrownBy(() -> OnnxWeightTracer.trace(g.build(), "tiny.onnx"))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "tiny.onnx: initializer 'onnx::MatMul_77' of shape [2, 2] is neither a named parameter"
                + " nor the weight of a MatMul followed by a bias Add");
  }

  @Test
  void failsOnABiasOfTheWrongLength() {
    OnnxMl.GraphProto.Builder g = graph();
    g.setInitializer(2, rawFloats("lin1.bias", new long[] {2}, 7, 8));
    assertThatThrownBy(() -> OnnxWeightTracer.trace(g.build(), "tiny.onnx"))
        .hasMessage(
            "tiny.onnx: MatMul '/lin1/MatMul' multiplies by 'onnx::MatMul_9' of shape [2, 3] but"
                + " its bias 'lin1.bias' has 2 values, expected 3");
  }

  @Test
  void failsOnDataThatDoesNotFitTheShape() {
    OnnxMl.GraphProto.Builder g = graph();
    g.setInitializer(0, rawFloats("lin2.bias", new long[] {3}, 0.5f, -0.5f));
    assertThatThrownBy(() -> OnnxWeightTracer.trace(g.build(), "tiny.onnx"))
        .hasMessageContaining("'lin2.bias'");
    OnnxMl.GraphProto.Builder h = graph();
    h.setInitializer(3, rawFloats("norm.weight", new long[] {4}, 1, 1));
    assertThatThrownBy(() -> OnnxWeightTracer.trace(h.build(), "tiny.onnx"))
        .hasMessage("tiny.onnx: tensor 'norm.weight' of shape [4] has 8 raw bytes, expected 16");
    OnnxMl.GraphProto.Builder k = graph();
    k.setInitializer(1, floatData("onnx::MatMul_9", new long[] {2, 3}, 1, 2, 3));
    assertThatThrownBy(() -> OnnxWeightTracer.trace(k.build(), "tiny.onnx"))
        .hasMessage(
            "tiny.onnx: tensor 'onnx::MatMul_9' of shape [2, 3] stores 3 values, expected 6");
  }

  @Test
  void failsOnGarbageAndEmptyModels() {
    assertThatThrownBy(
            () ->
                OnnxWeightTracer.read(
                    new ByteArrayInputStream(new byte[] {0x0a, 0x7f, 1}), "junk.onnx"))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("junk.onnx: not a readable ONNX model");
    byte[] empty = OnnxMl.ModelProto.newBuilder().setIrVersion(6).build().toByteArray();
    assertThatThrownBy(() -> OnnxWeightTracer.read(new ByteArrayInputStream(empty), "empty.onnx"))
        .hasMessage("empty.onnx: ONNX model has no graph nodes");
  }
}
