package io.recformer.train.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.recformer.core.config.RecformerConfig;
import io.recformer.train.model.PyTorchThreads;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Optimizer step time (not a test): {@link AdamW}'s bucketed update at several CPU bucket caps
 * against the per-parameter loop it replaced (kept here, {@link #perParameterStep}, as the
 * baseline), on the parameters of the MiniLM-sized encoder with word embeddings frozen as in
 * fine-tuning, plus a trainable item matrix (Scientific's 5,327 items x 384) at its own rate. The
 * variants run in turn, round after round, and each prints the median of its rounds and its speed
 * against the baseline.
 *
 * <p>Usage: {@code AdamWSpeed [threads] [repeats] [cap floats...]} (defaults 2, 15 and the caps
 * 65536, 262144, 1048576 and unbounded, written {@code max}).
 */
public final class AdamWSpeed {

  private AdamWSpeed() {}

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    List<Long> caps = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      caps.add(args[i].equals("max") ? Long.MAX_VALUE : Long.parseLong(args[i]));
    }
    if (caps.isEmpty()) {
      caps = List.of(1L << 16, 1L << 18, 1L << 20, Long.MAX_VALUE);
    }
    System.setProperty(PyTorchThreads.INTRA_OP, Integer.toString(threads));
    System.setProperty(PyTorchThreads.INTER_OP, "1");
    PyTorchThreads.applyDefaults();
    try (NDManager root = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(root, RecformerConfig.miniLmL6(), 1)) {
      model.freezeWordEmbeddings(true);
      Map<String, NDArray> params = new LinkedHashMap<>();
      for (String name : model.parameterShapes().keySet()) {
        NDArray p = model.parameter(name).getArray();
        if (p.hasGradient()) {
          params.put(name, p);
        }
      }
      NDArray items = root.randomNormal(new Shape(5327, 384));
      items.setRequiresGradient(true);
      params.put("item_matrix", items);
      List<String> names = new ArrayList<>();
      List<Step> steps = new ArrayList<>();
      Map<String, NDArray> m1 = new HashMap<>();
      Map<String, NDArray> v1 = new HashMap<>();
      long[] t = {0};
      names.add("per-parameter loop");
      steps.add(() -> perParameterStep(root, params, m1, v1, ++t[0], 1e-5));
      List<AdamW> optimizers = new ArrayList<>();
      for (long cap : caps) {
        AdamW adamW = new AdamW(root, AdamW.Options.withWeightDecay(0.01), cap);
        optimizers.add(adamW);
        names.add(cap == Long.MAX_VALUE ? "one bucket per group" : "buckets of <= " + cap);
        steps.add(() -> adamW.step(params, 1e-5, name -> name.equals("item_matrix") ? 10 : 1));
      }
      double[][] times = new double[steps.size()][repeats];
      for (int round = -1; round < repeats; round++) { // round -1 warms every variant up
        for (int v = 0; v < steps.size(); v++) {
          fillGradients(root, params);
          long start = System.nanoTime();
          steps.get(v).run();
          params.get("item_matrix").getFloat(0, 0);
          if (round >= 0) {
            times[v][round] = (System.nanoTime() - start) / 1e9;
          }
        }
      }
      optimizers.forEach(AdamW::close);
      long floats = 0;
      for (NDArray p : params.values()) {
        floats += p.size();
      }
      System.out.printf(
          Locale.ROOT,
          "%d parameter arrays, %.1f M floats, %d threads, median of %d rounds%n",
          params.size(),
          floats / 1e6,
          threads,
          repeats);
      double baseline = AttentionCrossover.median(times[0]);
      for (int v = 0; v < steps.size(); v++) {
        double median = AttentionCrossover.median(times[v]);
        System.out.printf(
            Locale.ROOT,
            "| %s | %.1f ms | %.2fx |%n",
            names.get(v),
            1e3 * median,
            baseline / median);
      }
    }
  }

  /** One optimizer step of one variant. */
  private interface Step {
    void run();
  }

  /** Gradient 1e-3 * p for every parameter (loss 5e-4 sum p^2). */
  private static void fillGradients(NDManager root, Map<String, NDArray> params) {
    try (NDManager scope = root.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray loss = null;
      for (NDArray p : params.values()) {
        NDArray term = p.square().sum().mul(5e-4f);
        term.attach(scope);
        loss = loss == null ? term : loss.add(term);
      }
      collector.backward(loss);
    }
  }

  /** The update AdamW made before its moments were bucketed: about 15 small ops per parameter. */
  private static void perParameterStep(
      NDManager root,
      Map<String, NDArray> params,
      Map<String, NDArray> first,
      Map<String, NDArray> second,
      long step,
      double rate) {
    double bias1 = 1 - Math.pow(0.9, (double) step);
    double bias2 = 1 - Math.pow(0.999, (double) step);
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray p = e.getValue();
      double lr = e.getKey().equals("item_matrix") ? 10 * rate : rate;
      try (NDManager scratch = root.newSubManager(p.getDevice())) {
        NDArray g = p.getGradient();
        g.attach(scratch);
        NDArray m =
            first.computeIfAbsent(
                e.getKey(), k -> root.zeros(p.getShape(), DataType.FLOAT32, p.getDevice()));
        NDArray v =
            second.computeIfAbsent(
                e.getKey(), k -> root.zeros(p.getShape(), DataType.FLOAT32, p.getDevice()));
        scratch.tempAttachAll(m, v);
        if (!AdamW.noDecay(e.getKey())) {
          p.muli(1 - lr * 0.01);
        }
        m.muli(0.9).addi(g.mul(0.1f));
        v.muli(0.999).addi(g.square().muli(0.001f));
        NDArray denominator = v.div((float) bias2).sqrt().addi(1e-8f);
        p.subi(m.div(denominator).muli((float) (lr / bias1)));
      }
      JniUtils.zeroGrad((PtNDArray) p);
    }
  }
}
