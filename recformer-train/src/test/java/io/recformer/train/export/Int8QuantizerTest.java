package io.recformer.train.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.BundleQuantization.Granularity;
import io.recformer.core.format.EncoderModelContract;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.EncodedSequence;
import io.recformer.train.model.AttentionMode;
import io.recformer.train.weights.WeightTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class Int8QuantizerTest {

  private static final RecformerConfig CONFIG = ExportFixtures.small(2, 4, 16, 16, Pooling.CLS);

  private static Map<String, WeightTensor> weights() {
    // BERT-like weight scale (std 0.05): the regime the quantizer is made for.
    return ExportFixtures.randomWeights(EncoderGraph.expectedShapes(CONFIG), 11, 0.05);
  }

  private static OnnxMl.TensorProto floatWeight(int rows, int cols, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return OnnxMl.TensorProto.newBuilder()
        .setName("w.weight_t")
        .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
        .addDims(rows)
        .addDims(cols)
        .setRawData(ByteString.copyFrom(b.array()))
        .build();
  }

  @Test
  void perChannelWeightsRoundToTheNearestStepOfTheirColumn() {
    // 3 x 3, column 1 all zero, column 2 a hundred times smaller than column 0.
    float[] w = {1.27f, 0f, 0.0127f, -0.5f, 0f, -0.003f, 0.1f, 0f, 0.0064f};
    Int8Quantizer.QuantizedWeight q =
        Int8Quantizer.quantizeWeight(floatWeight(3, 3, w), new int[0], Granularity.PER_CHANNEL);
    // Scales are max |column| / 127; an all-zero column gets 1 so nothing divides by 0.
    assertThat(q.scales()).containsExactly(0.01f, 1f, 0.0001f);
    assertThat(q.values()).containsExactly(127, 0, 127, -50, 0, -30, 10, 0, 64);

    Int8Quantizer.QuantizedWeight t =
        Int8Quantizer.quantizeWeight(floatWeight(3, 3, w), new int[0], Granularity.PER_TENSOR);
    assertThat(t.scales()).containsExactly(0.01f);
    // One scale: the small column collapses to -0.3 -> 0, 1.27 -> 1, 0.64 -> 1 steps.
    assertThat(t.values()).containsExactly(127, 0, 1, -50, 0, 0, 10, 0, 1);

    Int8Quantizer.QuantizedWeight outlierRowRemoved =
        Int8Quantizer.quantizeWeight(floatWeight(3, 3, w), new int[] {0}, Granularity.PER_CHANNEL);
    assertThat(outlierRowRemoved.values()).startsWith((byte) 0, (byte) 0, (byte) 0);
    assertThat(outlierRowRemoved.scales()[0]).isEqualTo(0.5f / 127);
  }

  @Test
  void outlierChannelsAreThoseAboveTheThresholdTimesTheMedian() {
    float[] max = {1f, 1.2f, 0.9f, 7f, 1.1f, 2.5f, 1f};
    OnnxMl.TensorProto w = floatWeight(7, 1, new float[7]);
    assertThat(Int8Quantizer.outlierChannels(max, 2, w)).containsExactly(3, 5);
    assertThat(Int8Quantizer.outlierChannels(max, 3, w)).containsExactly(3);
    assertThatThrownBy(() -> Int8Quantizer.outlierChannels(new float[3], 2, w))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("w.weight_t: 3 activation channels calibrated, the weight has 7 input rows");
  }

  @ParameterizedTest
  @EnumSource(
      value = AttentionMode.class,
      names = {"CHUNKED", "DENSE_BAND"})
  void everyLinearLayerBecomesStandardInt8OperatorsAndStaysCloseToFloat32(AttentionMode layout)
      throws Exception {
    Map<String, WeightTensor> w = weights();
    byte[] fp32 =
        OnnxExporter.toOnnx(CONFIG, w, ExportFixtures.fixedProvenance(1), Optional.empty(), layout);
    byte[] int8 =
        OnnxExporter.toOnnx(
            CONFIG,
            w,
            ExportFixtures.fixedProvenance(1),
            Optional.of(
                Int8Quantization.perChannel()
                    .withFloat32Layers(List.of("encoder.layer.1.output.dense"))),
            layout);
    OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(int8);
    List<String> layers = Int8Quantization.linearLayers(CONFIG);
    assertThat(Int8Quantizer.linearInputs(OnnxMl.ModelProto.parseFrom(fp32).getGraph()).keySet())
        .as("the names float32Layers accepts are the graph's Linear layers")
        .containsExactlyElementsOf(layers);
    long matMulInteger =
        model.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("MatMulInteger"))
            .count();
    assertThat(matMulInteger).isEqualTo(layers.size() - 1);
    assertThat(model.getGraph().getNodeList())
        .allSatisfy(n -> assertThat(n.getDomain()).as("standard ONNX domain").isEmpty());
    assertThat(model.getGraph().getInitializerList())
        .extracting(OnnxMl.TensorProto::getName)
        .contains("encoder.layer.1.output.dense.weight_t", "encoder.layer.0.output.dense.weight_q")
        .doesNotContain("encoder.layer.0.output.dense.weight_t");
    assertThat(model.getMetadataPropsList())
        .anySatisfy(
            p -> {
              assertThat(p.getKey()).isEqualTo(OnnxExporter.META_ATTENTION);
              assertThat(p.getValue())
                  .isEqualTo(layout == AttentionMode.CHUNKED ? "chunked" : "dense-band");
            });
    assertThat(model.getMetadataPropsList())
        .anySatisfy(
            p -> {
              assertThat(p.getKey()).isEqualTo(EncoderModelContract.META_QUANTIZATION);
              assertThat(p.getValue())
                  .isEqualTo(
                      "int8-dynamic, per-channel weights, 9 int8 layers, 1 float32 layers"
                          + " [encoder.layer.1.output.dense], not calibrated");
            });

    EncodedBatch batch =
        ExportFixtures.batch(CONFIG, 40, new int[] {40, 23, 7, 31}, new int[] {-1, 5, -1, -1}, 5);
    float[] a;
    float[] b;
    try (OrtSession s = ExportFixtures.session(fp32, 1);
        OrtSession t = ExportFixtures.session(int8, 1)) {
      a = ExportFixtures.ort(s, batch).embedding();
      b = ExportFixtures.ort(t, batch).embedding();
    }
    // Tolerance: int8 steps are 1/127 of a column's (weights) or 1/255 of a tensor's range
    // (activations), a relative error of about 0.3-1% per product that partly averages out over
    // d = 64 terms, so 9 quantized layers of this small model stay within cosine 0.999 (MiniLM
    // needs calibration for that, see QuantizedBundleParityTest). A wrong scale, zero point or
    // layout gives cosines near 0.
    int d = CONFIG.hiddenSize();
    for (int r = 0; r < 4; r++) {
      double cos = 0;
      for (int k = 0; k < d; k++) {
        cos += (double) a[r * d + k] * b[r * d + k];
      }
      assertThat(cos).as("row %d", r).isGreaterThan(0.999).isLessThanOrEqualTo(1.00001);
    }
  }

  @Test
  void calibrationMovesOutlierChannelsToFloat32AndTheManifestSaysSo() throws Exception {
    Map<String, WeightTensor> w = weights();
    // A huge LayerNorm bias in channel 7 makes an outlier channel in every FFN input, as MiniLM's.
    float[] bias = w.get("encoder.layer.0.attention.output.LayerNorm.bias").values().clone();
    bias[7] = 25f;
    w.put(
        "encoder.layer.0.attention.output.LayerNorm.bias",
        new WeightTensor(
            "encoder.layer.0.attention.output.LayerNorm.bias", new long[] {bias.length}, bias));
    List<EncodedSequence> calibration = new ArrayList<>();
    Random random = new Random(3);
    for (int i = 0; i < 8; i++) {
      calibration.add(sequence(random, 5 + random.nextInt(20)));
    }
    Int8Quantization plain = Int8Quantization.perChannel();
    Int8Quantization calibrated = plain.withCalibration(calibration);
    byte[] fp32 = OnnxExporter.toOnnx(CONFIG, w, ExportFixtures.fixedProvenance(1));
    byte[] uncalibrated = OnnxExporter.toOnnx(CONFIG, w, ExportFixtures.fixedProvenance(1), plain);
    byte[] smoothed = OnnxExporter.toOnnx(CONFIG, w, ExportFixtures.fixedProvenance(1), calibrated);
    OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(smoothed);
    assertThat(model.getGraph().getInitializerList())
        .filteredOn(t -> t.getName().equals("encoder.layer.0.intermediate.dense.outlier_channels"))
        .singleElement()
        .satisfies(
            t -> {
              long[] channels = new long[(int) t.getDims(0)];
              t.getRawData()
                  .asReadOnlyByteBuffer()
                  .order(ByteOrder.LITTLE_ENDIAN)
                  .asLongBuffer()
                  .get(channels);
              assertThat(channels).contains(7L);
            });

    EncodedBatch batch =
        ExportFixtures.batch(CONFIG, 30, new int[] {30, 12, 25}, new int[] {-1, -1, 4}, 9);
    double plainError;
    double smoothedError;
    try (OrtSession s = ExportFixtures.session(fp32, 1);
        OrtSession u = ExportFixtures.session(uncalibrated, 1);
        OrtSession c = ExportFixtures.session(smoothed, 1)) {
      float[] reference = ExportFixtures.ort(s, batch).embedding();
      plainError = 1 - minCosine(reference, ExportFixtures.ort(u, batch).embedding());
      smoothedError = 1 - minCosine(reference, ExportFixtures.ort(c, batch).embedding());
    }
    // The outlier stretches the int8 range of every FFN input ~10x without calibration; keeping it
    // in float32 must cut the error clearly. How much depends on ONNX Runtime's int8 kernel for the
    // CPU: 2x or more with AVX-512, 1.89x on an AVX2-only host (its u8 x s8 products saturate).
    assertThat(smoothedError).isLessThan(plainError / 1.5);
  }

  @Test
  void rejectsUnknownFloat32LayersByName() {
    assertThatThrownBy(
            () ->
                OnnxExporter.toOnnx(
                    CONFIG,
                    weights(),
                    ExportFixtures.fixedProvenance(1),
                    Int8Quantization.perTensor().withFloat32Layers(List.of("encoder.layer.9.ffn"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "float32Layers [encoder.layer.9.ffn] are not Linear layers of this model; its Linear"
                + " layers are [encoder.layer.0.attention.self.qkv,");
    assertThatThrownBy(
            () ->
                OnnxExporter.toOnnx(
                    CONFIG,
                    weights(),
                    ExportFixtures.fixedProvenance(1),
                    Int8Quantization.perTensor()
                        .withFloat32Layers(Int8Quantization.linearLayers(CONFIG))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("float32Layers keeps all 10 Linear layers: nothing to quantize");
    assertThatThrownBy(() -> Int8Quantization.perChannel().withOutlierThreshold(1))
        .hasMessage("outlierThreshold = 1.0 is out of range: must be finite and > 1");
  }

  private static double minCosine(float[] a, float[] b) {
    int d = CONFIG.hiddenSize();
    double min = 1;
    for (int r = 0; r < a.length / d; r++) {
      double cos = 0;
      for (int k = 0; k < d; k++) {
        cos += (double) a[r * d + k] * b[r * d + k];
      }
      min = Math.min(min, cos);
    }
    return min;
  }

  /** A one-item sequence of {@code length} tokens: CLS, then key/value tokens of item 1. */
  private static EncodedSequence sequence(Random random, int length) {
    int[] ids = new int[length];
    int[] types = new int[length];
    int[] positions = new int[length];
    int[] items = new int[length];
    ids[0] = 2;
    for (int i = 1; i < length; i++) {
      ids[i] = 5 + random.nextInt(CONFIG.vocabSize() - 5);
      types[i] = i % 2 == 1 ? RecformerConfig.TYPE_KEY : RecformerConfig.TYPE_VALUE;
      positions[i] = i;
      items[i] = 1;
    }
    return new EncodedSequence(ids, types, positions, items);
  }
}
