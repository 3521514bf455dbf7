package io.recformer.train.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.loss.ItemSoftmaxLoss;
import io.recformer.train.model.EncoderOutput;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.OptimizerStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * One fine-tuning step (forward, chunked full-softmax loss, backward, AdamW update) of a
 * MiniLM-sized model (6 x 384) against a constant item matrix of {@code items} x 384, the size at
 * which the original ran out of memory (reference section 10). Prints the peak resident set size
 * (VmHWM) and heap, so run it in its own JVM:
 *
 * <pre>
 * java -Xmx2g -cp ... io.recformer.train.bench.LargeCatalogStep [items] [batch] [tokens] [chunk]
 * </pre>
 */
public final class LargeCatalogStep {

  private LargeCatalogStep() {}

  public static void main(String[] args) throws Exception {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 1_500_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    int chunk = args.length > 3 ? Integer.parseInt(args[3]) : 65_536;
    System.out.println(run(items, batch, tokens, chunk));
  }

  /** Runs the step and returns a one-line summary. */
  public static String run(int items, int batch, int tokens, int chunk) throws Exception {
    RecformerConfig config = RecformerConfig.miniLmL6().toBuilder().maxTokens(tokens).build();
    long start = System.nanoTime();
    try (NDManager manager = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 1);
        AdamW adam = new AdamW(manager, AdamW.Options.withWeightDecay(0))) {
      Engine.getInstance().setRandomSeed(7);
      NDArray matrix = manager.randomNormal(new Shape(items, config.hiddenSize()));
      try (NDArray norms = matrix.norm(new int[] {1}, true)) {
        matrix.divi(norms);
      }
      long afterMatrix = peakRssKb();
      long t0 = System.nanoTime();
      EncodedBatch input = randomBatch(config, batch, tokens, 3);
      int[] targets = new Random(5).ints(batch, 0, items).toArray();
      double loss;
      try (NDManager scope = manager.newSubManager();
          GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        EncoderOutput out = model.encode(scope, input, true);
        NDArray q = out.pooled().normalize(2, 1, 1e-8);
        ItemSoftmaxLoss.Result r =
            ItemSoftmaxLoss.compute(q, matrix, targets, config.temperature(), chunk, scope);
        loss = r.loss();
        collector.backward(ItemSoftmaxLoss.surrogate(q, r.queryGradient()));
      }
      Map<String, NDArray> params = new LinkedHashMap<>();
      model.parameterShapes().keySet().forEach(n -> params.put(n, model.parameter(n).getArray()));
      double norm =
          new OptimizerStep(adam, List.of(OptimizerStep.Group.all(1.0)))
              .apply(params, 5e-5, name -> 1, 1)
              .norm(0);
      double seconds = (System.nanoTime() - t0) / 1e9;
      Runtime rt = Runtime.getRuntime();
      return String.format(
          Locale.ROOT,
          "items %d x %d, batch %d x %d tokens, chunk %d: loss %.4f (ln(items) = %.4f), grad norm"
              + " %.4g, step %.1f s; matrix %.0f MB; peak RSS after matrix %d MB, after step %d"
              + " MB; heap used %d MB of max %d MB; total %.1f s",
          items,
          config.hiddenSize(),
          batch,
          tokens,
          chunk,
          loss,
          Math.log(items),
          norm,
          seconds,
          items * (double) config.hiddenSize() * 4 / 1e6,
          afterMatrix / 1024,
          peakRssKb() / 1024,
          (rt.totalMemory() - rt.freeMemory()) >> 20,
          rt.maxMemory() >> 20,
          (System.nanoTime() - start) / 1e9);
    }
  }

  public static EncodedBatch randomBatchForTest(
      RecformerConfig config, int batch, int tokens, long seed) {
    return randomBatch(config, batch, tokens, seed);
  }

  static EncodedBatch randomBatch(RecformerConfig config, int batch, int tokens, long seed) {
    Random r = new Random(seed);
    int n = batch * tokens;
    int[] ids = new int[n];
    int[] types = new int[n];
    int[] positions = new int[n];
    int[] itemPositions = new int[n];
    int[] attention = new int[n];
    int[] global = new int[n];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < tokens; i++) {
        int at = b * tokens + i;
        ids[at] = i == 0 ? 101 : 1000 + r.nextInt(20000);
        types[at] = i == 0 ? RecformerConfig.TYPE_CLS : 1 + r.nextInt(2);
        positions[at] = config.positionOffset() + i;
        itemPositions[at] = i == 0 ? 0 : 1 + Math.min(config.maxItems() - 1, i / 40);
        attention[at] = 1;
        global[at] = i == 0 ? 1 : 0;
      }
    }
    return new EncodedBatch(batch, tokens, ids, types, positions, itemPositions, attention, global);
  }

  /** Peak resident set size of this process in kB (Linux VmHWM), or -1 elsewhere. */
  static long peakRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }
}
