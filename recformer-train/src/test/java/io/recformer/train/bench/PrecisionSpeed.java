package io.recformer.train.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.Precision;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.OptimizerStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Time of one training forward and backward in {@link Precision#FP32} and {@link
 * Precision#FP16_MIXED} on the CPU (not a test): what float16 costs where it has no fast kernels.
 * Each precision gets its warm-up steps, then the median of the timed ones is printed.
 *
 * <p>Usage: {@code PrecisionSpeed [layers] [hidden] [batch] [tokens] [steps]} (defaults 2, 128, 8,
 * 128, 5).
 */
public final class PrecisionSpeed {

  private PrecisionSpeed() {}

  public static void main(String[] args) {
    int layers = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int hidden = args.length > 1 ? Integer.parseInt(args[1]) : 128;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int tokens = args.length > 3 ? Integer.parseInt(args[3]) : 128;
    int steps = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder()
            .numLayers(layers)
            .hiddenSize(hidden)
            .numHeads(hidden / 32)
            .intermediateSize(4 * hidden)
            .maxTokens(tokens)
            .dropout(0)
            .build();
    EncodedBatch input = batch(config, batch, tokens);
    try (NDManager root = NDManager.newBaseManager(Device.cpu());
        RecformerModel model = RecformerModel.newInstance(root, config, 1)) {
      List<NDArray> parameters = new ArrayList<>();
      for (String name : model.parameterShapes().keySet()) {
        parameters.add(model.parameter(name).getArray());
      }
      for (Precision precision : Precision.values()) {
        model.setPrecision(precision);
        List<Double> times = new ArrayList<>();
        for (int s = 0; s < 2 + steps; s++) {
          long start = System.nanoTime();
          try (NDManager scope = root.newSubManager();
              GradientCollector c = Engine.getInstance().newGradientCollector()) {
            NDArray hiddenStates = model.encode(scope, input, true).hiddenStates();
            NDArray logits =
                model.mlmLogits(model.parameterStore(), hiddenStates.get(":, 0:8, :"), true);
            c.backward(hiddenStates.square().mean().add(logits.square().mean()));
          }
          OptimizerStep.zeroGradients(parameters);
          if (s >= 2) {
            times.add((System.nanoTime() - start) / 1e6);
          }
        }
        times.sort(null);
        System.out.printf(
            Locale.ROOT,
            "%s: %d layers x %d, batch %d x %d tokens, forward+backward median %.1f ms (of %s)%n",
            precision,
            layers,
            hidden,
            batch,
            tokens,
            times.get(times.size() / 2),
            times);
      }
    }
  }

  private static EncodedBatch batch(RecformerConfig config, int b, int n) {
    int[] ids = new int[b * n];
    int[] types = new int[b * n];
    int[] positions = new int[b * n];
    int[] items = new int[b * n];
    int[] attention = new int[b * n];
    int[] global = new int[b * n];
    for (int r = 0; r < b; r++) {
      for (int i = 0; i < n; i++) {
        int at = r * n + i;
        ids[at] = i == 0 ? 101 : 1000 + (r * 31 + i * 7) % 20000;
        types[at] = i == 0 ? RecformerConfig.TYPE_CLS : RecformerConfig.TYPE_KEY;
        positions[at] = config.positionOffset() + i;
        items[at] = i == 0 ? 0 : Math.min(config.maxItems(), 1 + i / 64);
        attention[at] = 1;
        global[at] = i == 0 ? 1 : 0;
      }
    }
    return new EncodedBatch(b, n, ids, types, positions, items, attention, global);
  }
}
