package io.recformer.train.export;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.EncoderModelContract;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.EncodedSequence;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-channel activation ranges of the float32 encoder on calibration sequences: for each Linear
 * layer, the largest |x_k| seen in each input channel k. The graph gets the Linear inputs as extra
 * outputs and ONNX Runtime runs it once per sequence (one sequence per call, so no padding enters
 * the statistics). {@link Int8Quantizer} uses the ranges to smooth activation outliers into the
 * weights.
 */
final class ActivationCalibrator {

  private ActivationCalibrator() {}

  /**
   * Channel maxima per layer name (as {@link Int8Quantization#linearLayers}).
   *
   * @param inputs each layer's activation tensor name in {@code model}'s graph
   * @throws IllegalStateException if ONNX Runtime fails on the model
   */
  static Map<String, float[]> channelMax(
      OnnxMl.ModelProto model,
      Map<String, String> inputs,
      RecformerConfig config,
      List<EncodedSequence> sequences) {
    OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
    for (String tensor : inputs.values()) {
      graph.addOutput(
          OnnxMl.ValueInfoProto.newBuilder()
              .setName(tensor)
              .setType(
                  OnnxMl.TypeProto.newBuilder()
                      .setTensorType(
                          OnnxMl.TypeProto.Tensor.newBuilder()
                              .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))));
    }
    byte[] probed = model.toBuilder().setGraph(graph).build().toByteArray();
    // One sequence per call: the pad id never appears in a batch.
    BatchCollator collator = BatchCollator.unrounded(config, 0);
    Map<String, float[]> max = new LinkedHashMap<>();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
      try (OrtSession session = env.createSession(probed, options)) {
        for (EncodedSequence s : sequences) {
          Map<String, OnnxTensor> feeds = feeds(env, collator.collate(List.of(s)));
          try (OrtSession.Result result = session.run(feeds)) {
            for (Map.Entry<String, String> e : inputs.entrySet()) {
              OnnxTensor t = (OnnxTensor) result.get(e.getValue()).orElseThrow();
              FloatBuffer values = t.getFloatBuffer();
              long[] shape = t.getInfo().getShape();
              int k = (int) shape[shape.length - 1];
              float[] m = max.computeIfAbsent(e.getKey(), name -> new float[k]);
              for (int i = 0; values.hasRemaining(); i = (i + 1) % k) {
                m[i] = Math.max(m[i], Math.abs(values.get()));
              }
            }
          } finally {
            feeds.values().forEach(OnnxTensor::close);
          }
        }
      }
    } catch (OrtException e) {
      throw new IllegalStateException(
          "ONNX Runtime failed while calibrating int8 quantization: " + e.getMessage(), e);
    }
    return max;
  }

  private static Map<String, OnnxTensor> feeds(OrtEnvironment env, EncodedBatch batch)
      throws OrtException {
    long[] shape = {batch.batchSize(), batch.length()};
    int[][] arrays = {
      batch.inputIds(),
      batch.tokenTypeIds(),
      batch.tokenPositionIds(),
      batch.itemPositionIds(),
      batch.attentionMask(),
      batch.globalAttentionMask()
    };
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      for (int i = 0; i < arrays.length; i++) {
        long[] wide = new long[arrays[i].length];
        for (int j = 0; j < wide.length; j++) {
          wide[j] = arrays[i][j];
        }
        inputs.put(
            EncoderModelContract.INPUT_NAMES.get(i),
            OnnxTensor.createTensor(env, LongBuffer.wrap(wide), shape));
      }
      return inputs;
    } catch (OrtException | RuntimeException e) {
      inputs.values().forEach(OnnxTensor::close);
      throw e;
    }
  }
}
