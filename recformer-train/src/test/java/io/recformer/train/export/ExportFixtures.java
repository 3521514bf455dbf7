package io.recformer.train.export;

import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.EncoderModelContract;
import io.recformer.core.format.Provenance;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.EncoderOutput;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.WeightTensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Small configs, random weights and batches, and ONNX Runtime / DJL runners for export tests. */
final class ExportFixtures {

  private ExportFixtures() {}

  /** A small model: d = heads * headSize, window w, no dropout, vocabulary 40. */
  static RecformerConfig small(int layers, int heads, int headSize, int window, Pooling pooling) {
    int d = heads * headSize;
    return RecformerConfig.miniLmL6().toBuilder()
        .vocabSize(40)
        .hiddenSize(d)
        .numLayers(layers)
        .numHeads(heads)
        .intermediateSize(2 * d)
        .maxPositions(160)
        .positionOffset(0)
        .maxItems(8)
        .maxItemPositions(9)
        .maxTokens(150)
        .attentionWindow(window)
        .layerNormEps(1e-5)
        .dropout(0)
        .pooling(pooling)
        .build();
  }

  /** A fixed provenance, so exports are byte-for-byte reproducible. */
  static Provenance fixedProvenance(long seed) {
    return new Provenance(
        "none",
        seed,
        "0.1.0-SNAPSHOT",
        "17 (test)",
        "Linux",
        "amd64",
        "unknown",
        Instant.parse("2026-11-27T00:00:00Z"),
        Map.of());
  }

  /**
   * Random weights for every parameter, larger than BERT's 0.02 so attention is far from uniform:
   * weights normal(0, std), biases normal(0, 0.1), LayerNorm scales 1 + normal(0, 0.1).
   */
  static Map<String, WeightTensor> randomWeights(
      Map<String, long[]> shapes, long seed, double std) {
    Random random = new Random(seed);
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    shapes.forEach(
        (name, shape) -> {
          long size = 1;
          for (long s : shape) {
            size *= s;
          }
          float[] v = new float[(int) size];
          boolean norm = name.contains("LayerNorm") || name.contains("layer_norm");
          for (int i = 0; i < v.length; i++) {
            double gauss = random.nextGaussian();
            v[i] =
                (float)
                    (norm && name.endsWith(".weight")
                        ? 1 + 0.1 * gauss
                        : name.endsWith(".bias") ? 0.1 * gauss : std * gauss);
          }
          out.put(name, new WeightTensor(name, shape, v));
        });
    return out;
  }

  /**
   * A right-padded batch of random sequences: row r has {@code lengths[r]} real tokens (CLS first,
   * global) in a row of length {@code length}; padding as BatchCollator writes it. {@code
   * extraGlobal[r] >= 1} also makes that position global; {@code extraGlobal[r] == -2} makes the
   * row's CLS local (no global token at all).
   */
  static EncodedBatch batch(
      RecformerConfig config, int length, int[] lengths, int[] extraGlobal, long seed) {
    Random random = new Random(seed);
    int b = lengths.length;
    int n = b * length;
    int[] ids = new int[n];
    int[] types = new int[n];
    int[] positions = new int[n];
    int[] items = new int[n];
    int[] attention = new int[n];
    int[] global = new int[n];
    for (int r = 0; r < b; r++) {
      int item = 1;
      for (int i = 0; i < length; i++) {
        int at = r * length + i;
        if (i >= lengths[r]) {
          types[at] = RecformerConfig.TYPE_PAD;
          positions[at] = Math.max(config.positionOffset() - 1, 0);
          items[at] = config.maxItemPositions() - 1;
          continue;
        }
        attention[at] = 1;
        positions[at] = config.positionOffset() + i;
        if (i == 0) {
          ids[at] = 2;
          global[at] = extraGlobal != null && extraGlobal[r] == -2 ? 0 : 1;
        } else {
          ids[at] = 5 + random.nextInt(config.vocabSize() - 5);
          types[at] = random.nextBoolean() ? RecformerConfig.TYPE_KEY : RecformerConfig.TYPE_VALUE;
          if (random.nextInt(6) == 0 && item < config.maxItems()) {
            item++;
          }
          items[at] = item;
          if (extraGlobal != null && i == extraGlobal[r]) {
            global[at] = 1;
          }
        }
      }
    }
    return new EncodedBatch(b, length, ids, types, positions, items, attention, global);
  }

  /** Pooled [B*d], hidden [B*N*d] and (ONNX only) normalized [B*d] outputs, flattened. */
  // Arrays for speed: outputs are compared element-wise with tolerances, never as records.
  @SuppressWarnings("ArrayRecordComponent")
  record Outputs(float[] pooled, float[] hiddenStates, float[] embedding) {}

  static Outputs djl(RecformerModel model, EncodedBatch batch) {
    try (NDManager m = NDManager.newBaseManager()) {
      EncoderOutput out = model.encode(m, batch, false);
      return new Outputs(out.pooled().toFloatArray(), out.hiddenStates().toFloatArray(), null);
    }
  }

  static OrtSession session(byte[] onnx, int threads) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      return OrtEnvironment.getEnvironment().createSession(onnx, options);
    }
  }

  static Outputs ort(OrtSession session, EncodedBatch batch) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
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
      try (OrtSession.Result result = session.run(inputs)) {
        return new Outputs(
            flat(result, EncoderModelContract.OUTPUT_POOLED),
            flat(result, EncoderModelContract.OUTPUT_HIDDEN),
            flat(result, EncoderModelContract.OUTPUT_EMBEDDING));
      }
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  private static float[] flat(OrtSession.Result result, String name) {
    OnnxTensor t = (OnnxTensor) result.get(name).orElseThrow();
    FloatBuffer buffer = t.getFloatBuffer();
    float[] out = new float[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  /** Largest |a - b| over pooled values. */
  static double maxDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  /** Largest |a - b| over hidden states of non-padding positions only. */
  static double maxHiddenDiff(float[] a, float[] b, EncodedBatch batch, int d) {
    double max = 0;
    int[] mask = batch.attentionMask();
    for (int t = 0; t < mask.length; t++) {
      if (mask[t] == 0) {
        continue;
      }
      for (int k = 0; k < d; k++) {
        max = Math.max(max, Math.abs(a[t * d + k] - b[t * d + k]));
      }
    }
    return max;
  }
}
