package io.recformer.train.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.RecformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Peak memory of one training forward and backward of the MiniLM-sized encoder with and without
 * gradient checkpointing (not a test). Run it once per mode, in separate JVMs: it prints the growth
 * of the process's peak resident set ({@code VmHWM}) over the resident set after the model is
 * built, which on the CPU is the activations' and gradients' memory.
 *
 * <p>Usage: {@code CheckpointMemory on|off [batch] [tokens]} (defaults 8 and 512).
 */
public final class CheckpointMemory {

  private CheckpointMemory() {}

  public static void main(String[] args) throws IOException {
    boolean on = args.length > 0 && args[0].equals("on");
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 512;
    RecformerConfig config = RecformerConfig.miniLmL6().toBuilder().maxTokens(tokens).build();
    try (NDManager root = NDManager.newBaseManager(Device.cpu());
        RecformerModel model = RecformerModel.newInstance(root, config, 1)) {
      model.setGradientCheckpointing(on);
      long base = status("VmRSS");
      long start = System.nanoTime();
      try (NDManager scope = root.newSubManager();
          GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray hidden = model.encode(scope, batch(config, batch, tokens), true).hiddenStates();
        c.backward(hidden.square().mean());
        model.finishCheckpointedBackward();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long peak = status("VmHWM");
      System.out.printf(
          Locale.ROOT,
          "checkpointing %s, %d x %d tokens, %d layers x %d: rss after model %d MB, peak %d MB,"
              + " growth %d MB, step %.1f s%n",
          on ? "on" : "off",
          batch,
          tokens,
          config.numLayers(),
          config.hiddenSize(),
          base / 1024,
          peak / 1024,
          (peak - base) / 1024,
          seconds);
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

  /** A {@code /proc/self/status} field in kB. */
  private static long status(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("/proc/self/status has no " + field);
  }
}
