package io.recformer.train.model;

import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.weights.WeightTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Tiny configs, random weights and random batches for the model tests. */
final class Fixtures {

  private Fixtures() {}

  /** A tiny model: d = heads * headSize, window w, no dropout. */
  static RecformerConfig tiny(int layers, int heads, int headSize, int window) {
    int d = heads * headSize;
    return RecformerConfig.miniLmL6().toBuilder()
        .vocabSize(40)
        .hiddenSize(d)
        .numLayers(layers)
        .numHeads(heads)
        .intermediateSize(2 * d)
        .maxPositions(64)
        .positionOffset(0)
        .maxItems(8)
        .maxItemPositions(9)
        .maxTokens(48)
        .attentionWindow(window)
        .layerNormEps(1e-5)
        .dropout(0)
        .pooling(Pooling.CLS)
        .build();
  }

  /**
   * Random weights with the model's names and shapes, larger than BERT's 0.02 so attention is far
   * from uniform: weights normal(0, std), biases normal(0, 0.1), LayerNorm scales 1 + normal(0,
   * 0.1).
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
          boolean isNorm = name.contains("LayerNorm") || name.contains("layer_norm");
          for (int i = 0; i < v.length; i++) {
            double g = random.nextGaussian();
            if (isNorm && name.endsWith(".weight")) {
              v[i] = (float) (1 + 0.1 * g);
            } else if (name.endsWith(".bias")) {
              v[i] = (float) (0.1 * g);
            } else {
              v[i] = (float) (std * g);
            }
          }
          out.put(name, new WeightTensor(name, shape, v));
        });
    return out;
  }

  /**
   * A padded batch: row r has lengths[r] real tokens (CLS first) in a row of length {@code length}.
   * Global tokens: CLS if {@code clsGlobal[r]}, plus position {@code extraGlobal[r]} if >= 1.
   */
  static EncodedBatch batch(
      RecformerConfig config,
      int length,
      int[] lengths,
      boolean[] clsGlobal,
      int[] extraGlobal,
      long seed) {
    Random random = new Random(seed);
    int b = lengths.length;
    int[] ids = new int[b * length];
    int[] types = new int[b * length];
    int[] positions = new int[b * length];
    int[] items = new int[b * length];
    int[] attention = new int[b * length];
    int[] global = new int[b * length];
    for (int r = 0; r < b; r++) {
      int item = 1;
      for (int i = 0; i < length; i++) {
        int at = r * length + i;
        if (i >= lengths[r]) {
          types[at] = RecformerConfig.TYPE_PAD;
          continue;
        }
        attention[at] = 1;
        positions[at] = config.positionOffset() + i;
        if (i == 0) {
          ids[at] = 1;
          types[at] = RecformerConfig.TYPE_CLS;
          global[at] = clsGlobal[r] ? 1 : 0;
        } else {
          ids[at] = 2 + random.nextInt(config.vocabSize() - 2);
          types[at] = random.nextBoolean() ? RecformerConfig.TYPE_KEY : RecformerConfig.TYPE_VALUE;
          if (random.nextInt(4) == 0 && item < config.maxItems()) {
            item++;
          }
          items[at] = item;
          if (i == extraGlobal[r]) {
            global[at] = 1;
          }
        }
      }
    }
    return new EncodedBatch(b, length, ids, types, positions, items, attention, global);
  }
}
