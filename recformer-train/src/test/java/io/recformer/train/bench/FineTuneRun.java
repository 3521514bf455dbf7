package io.recformer.train.bench;

import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.finetune.FineTuneOptions;
import io.recformer.train.finetune.FineTuneResult;
import io.recformer.train.finetune.FineTuner;
import io.recformer.train.weights.MiniLmImporter;
import io.recformer.train.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Fine-tunes on a bundled dataset from the MiniLM weights (or a checkpoint) with options given
 * as key=value arguments; the run directory holds everything (see docs/results.md).
 *
 * <pre>
 * java -cp ... io.recformer.train.bench.FineTuneRun data=data/amazon-scientific-unisrec \
 *     run=runs/ft maxTokens=128 pooling=MEAN stage1Minutes=60 ...
 * </pre>
 */
public final class FineTuneRun {

  private FineTuneRun() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    Path data = Path.of(a.getOrDefault("data", "data/amazon-scientific-unisrec"));
    Path run = Path.of(a.getOrDefault("run", "runs/finetune"));
    long seed = Long.parseLong(a.getOrDefault("seed", "42"));
    FineTuneOptions.Builder o = FineTuneOptions.builder().seed(seed);
    o.maxTokens(Integer.parseInt(a.getOrDefault("maxTokens", "128")));
    o.pooling(Pooling.valueOf(a.getOrDefault("pooling", "MEAN")));
    o.epochs(Integer.parseInt(a.getOrDefault("epochs", "128")));
    o.batchSize(Integer.parseInt(a.getOrDefault("batchSize", "16")));
    o.gradientAccumulation(Integer.parseInt(a.getOrDefault("gradientAccumulation", "2")));
    o.learningRate(Double.parseDouble(a.getOrDefault("learningRate", "5e-5")));
    o.warmupSteps(Integer.parseInt(a.getOrDefault("warmupSteps", "100")));
    o.evalEvery(Integer.parseInt(a.getOrDefault("evalEvery", "1")));
    o.patienceStage1(Integer.parseInt(a.getOrDefault("patienceStage1", "5")));
    o.patienceStage2(Integer.parseInt(a.getOrDefault("patienceStage2", "3")));
    o.samplesPerEpoch(Integer.parseInt(a.getOrDefault("samplesPerEpoch", "0")));
    o.validationUsers(Integer.parseInt(a.getOrDefault("validationUsers", "0")));
    o.testUsers(Integer.parseInt(a.getOrDefault("testUsers", "0")));
    o.stage1Minutes(Double.parseDouble(a.getOrDefault("stage1Minutes", "0")));
    o.stage2Minutes(Double.parseDouble(a.getOrDefault("stage2Minutes", "0")));
    FineTuneOptions options = o.build();
    Dataset dataset = Datasets.importAuto(data).dataset();
    LeaveOneOutSplit split = LeaveOneOutSplit.of(dataset);
    RecformerConfig config = RecformerConfig.miniLmL6().toBuilder()
        .maxTokens(options.maxTokens()).pooling(options.pooling()).build();
    Map<String, WeightTensor> weights = a.containsKey("checkpoint")
        ? Checkpoints.read(Path.of(a.get("checkpoint"))).weights()
        : MiniLmImporter.importFromClasspath(config, seed);
    Path json = Files.createTempDirectory("finetune").resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(json);
    try (RecformerTokenizer tokenizer = RecformerTokenizer.open(json, config)) {
      FineTuneResult r = new FineTuner(options, config, weights, tokenizer, split).run(run);
      System.out.println("zero-shot test: " + r.zeroShotTest().metrics());
      System.out.println("final test:     " + r.finalTest().metrics());
    }
  }
}
