package io.recformer.train.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import io.recformer.core.format.BundleQuantization.Granularity;
import io.recformer.core.text.EncodedSequence;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One quantized Linear layer ({@code MatMul} + bias {@code Add}, one float32 outlier channel) run
 * by ONNX Runtime with its full graph optimization, against a double-precision emulation of the
 * ONNX operator definitions written here from the spec: DynamicQuantizeLinear (uint8, range
 * including 0, round half to even), int8 weights with one scale per output column (max |column| /
 * 127), exact integer products, float32 outlier products and the bias. Also checks that ONNX
 * Runtime fuses the layer into its int8 kernel with the bias folded in: the graph shape the
 * quantizer is made for.
 */
class Int8LinearOracleTest {

  private static final int ROWS = 6;
  private static final int K = 16;
  private static final int N = 5;
  private static final int OUTLIER = 3;

  @Test
  void quantizedLinearMatchesADoublePrecisionOracleAndFusesWithItsBias(@TempDir Path temp)
      throws Exception {
    Random random = new Random(7);
    float[] w = new float[K * N];
    for (int i = 0; i < w.length; i++) {
      // Columns of very different size: one scale per matrix would lose the small ones.
      w[i] = (float) (random.nextGaussian() * 0.05 * (1 + 20 * (i % N == 2 ? 1 : 0)));
    }
    float[] bias = new float[N];
    for (int n = 0; n < N; n++) {
      bias[n] = (float) random.nextGaussian();
    }
    float[] x = new float[ROWS * K];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextGaussian() + 0.3);
      if (i % K == OUTLIER) {
        x[i] *= 40; // the outlier channel
      }
    }
    float[] channelMax = new float[K];
    for (int i = 0; i < x.length; i++) {
      channelMax[i % K] = Math.max(channelMax[i % K], Math.abs(x[i]));
    }
    OnnxMl.ModelProto model = linearModel(w, bias);
    // The channel ranges come from x itself; one placeholder sequence stands for the calibration
    // set in the manifest.
    EncodedSequence placeholder =
        new EncodedSequence(new int[] {2}, new int[] {0}, new int[] {0}, new int[] {0});
    Int8Quantization settings =
        new Int8Quantization(Granularity.PER_CHANNEL, List.of(), List.of(placeholder), 4);
    Int8Quantizer.Result q =
        Int8Quantizer.quantize(model.getGraph(), settings, Map.of("l", channelMax));
    assertThat(q.quantization().outlierChannels()).isEqualTo(1);
    byte[] quantized = model.toBuilder().setGraph(q.graph()).build().toByteArray();

    Path optimized = temp.resolve("optimized.onnx");
    float[] got = run(quantized, x, optimized);
    double[] want = oracle(x, w, bias);
    double scale = 0;
    for (double v : want) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < want.length; i++) {
      // Only float32 rounding separates the kernel from the oracle (the integer part is exact):
      // 1e-5 of the output's size. A wrong zero point, scale, rounding or outlier path is off by
      // at least one activation step times a weight, about 1e-3 of it.
      assertThat((double) got[i]).as("output %d", i).isCloseTo(want[i], within(1e-5 * scale));
    }
    // Without the outlier channel's separate path, one uint8 step would be 40x coarser.
    double[] plain = oracleWithoutOutlierPath(x, w, bias);
    double plainError = 0;
    for (int i = 0; i < want.length; i++) {
      plainError = Math.max(plainError, Math.abs(plain[i] - exact(x, w, bias, i)));
    }
    double error = 0;
    for (int i = 0; i < want.length; i++) {
      error = Math.max(error, Math.abs(want[i] - exact(x, w, bias, i)));
    }
    assertThat(error).isLessThan(plainError / 4);

    OnnxMl.GraphProto fused = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(optimized)).getGraph();
    List<String> ops = fused.getNodeList().stream().map(OnnxMl.NodeProto::getOpType).toList();
    // One int8 kernel holding the bias; besides it only the outlier path (mask Mul, Gather and
    // the float32 product plus its sum: MatMul + Add, or Gemm for this 2-D input).
    assertThat(ops).containsOnlyOnce("DynamicQuantizeMatMul");
    assertThat(ops)
        .doesNotContain("MatMulInteger", "Cast", "DynamicQuantizeLinear", "MatMulIntegerToFloat");
    assertThat(ops.size()).isLessThanOrEqualTo(5);
    OnnxMl.NodeProto kernel =
        fused.getNodeList().stream()
            .filter(n -> n.getOpType().equals("DynamicQuantizeMatMul"))
            .findFirst()
            .orElseThrow();
    assertThat(kernel.getInputList()).contains("l.bias");
  }

  /** x [ROWS, K] -> MatMul(x, l.weight_t [K, N]) + l.bias. */
  private static OnnxMl.ModelProto linearModel(float[] w, float[] bias) {
    OnnxMl.GraphProto graph =
        OnnxMl.GraphProto.newBuilder()
            .setName("linear")
            .addInput(valueInfo("x", ROWS, K))
            .addOutput(valueInfo("y", ROWS, N))
            .addInitializer(floats("l.weight_t", w, K, N))
            .addInitializer(floats("l.bias", bias, N))
            .addNode(
                OnnxMl.NodeProto.newBuilder()
                    .setOpType("MatMul")
                    .setName("l.MatMul")
                    .addInput("x")
                    .addInput("l.weight_t")
                    .addOutput("l.product"))
            .addNode(
                OnnxMl.NodeProto.newBuilder()
                    .setOpType("Add")
                    .setName("l.Add")
                    .addInput("l.product")
                    .addInput("l.bias")
                    .addOutput("y"))
            .build();
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
        .setGraph(graph)
        .build();
  }

  private static double[] oracle(float[] x, float[] w, float[] bias) {
    double[] y = quantizedProduct(x, w, true);
    for (int r = 0; r < ROWS; r++) {
      for (int n = 0; n < N; n++) {
        y[r * N + n] += bias[n] + (double) x[r * K + OUTLIER] * w[OUTLIER * N + n];
      }
    }
    return y;
  }

  private static double[] oracleWithoutOutlierPath(float[] x, float[] w, float[] bias) {
    double[] y = quantizedProduct(x, w, false);
    for (int r = 0; r < ROWS; r++) {
      for (int n = 0; n < N; n++) {
        y[r * N + n] += bias[n];
      }
    }
    return y;
  }

  /** DynamicQuantizeLinear(x) x int8 per-column weights, dequantized, in double precision. */
  private static double[] quantizedProduct(float[] x, float[] w, boolean skipOutlier) {
    double[] xs = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      xs[i] = skipOutlier && i % K == OUTLIER ? 0 : x[i];
    }
    double min = 0;
    double max = 0;
    for (double v : xs) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    double xScale = (max - min) / 255;
    long zero = Math.max(0, Math.min(255, (long) Math.rint(-min / xScale)));
    double[] wScale = new double[N];
    for (int n = 0; n < N; n++) {
      for (int k = 0; k < K; k++) {
        if (!(skipOutlier && k == OUTLIER)) {
          wScale[n] = Math.max(wScale[n], Math.abs(w[k * N + n]) / 127.0);
        }
      }
    }
    double[] y = new double[ROWS * N];
    for (int r = 0; r < ROWS; r++) {
      for (int n = 0; n < N; n++) {
        long acc = 0;
        for (int k = 0; k < K; k++) {
          long xq = Math.max(0, Math.min(255, (long) Math.rint(xs[r * K + k] / xScale) + zero));
          long wq = skipOutlier && k == OUTLIER ? 0 : (long) Math.rint(w[k * N + n] / wScale[n]);
          acc += (xq - zero) * wq;
        }
        y[r * N + n] = acc * xScale * wScale[n];
      }
    }
    return y;
  }

  private static double exact(float[] x, float[] w, float[] bias, int i) {
    int r = i / N;
    int n = i % N;
    double s = bias[n];
    for (int k = 0; k < K; k++) {
      s += (double) x[r * K + k] * w[k * N + n];
    }
    return s;
  }

  private static float[] run(byte[] model, float[] x, Path optimized) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setOptimizedModelFilePath(optimized.toString());
      try (OrtSession session = env.createSession(model, options);
          OnnxTensor input =
              OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {ROWS, K});
          OrtSession.Result result = session.run(Map.of("x", input))) {
        float[][] y = (float[][]) result.get(0).getValue();
        float[] flat = new float[ROWS * N];
        for (int r = 0; r < ROWS; r++) {
          System.arraycopy(y[r], 0, flat, r * N, N);
        }
        return flat;
      }
    }
  }

  private static OnnxMl.ValueInfoProto valueInfo(String name, long... dims) {
    OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)))
        .build();
  }

  private static OnnxMl.TensorProto floats(String name, float[] values, long... dims) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    OnnxMl.TensorProto.Builder t =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
            .setRawData(ByteString.copyFrom(b.array()));
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }
}
