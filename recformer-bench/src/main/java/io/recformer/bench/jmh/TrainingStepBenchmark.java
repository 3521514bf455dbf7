package io.recformer.bench.jmh;

import ai.djl.ndarray.NDManager;
import io.recformer.bench.efficiency.HistorySampler;
import io.recformer.bench.efficiency.TrainingStep;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.train.model.PyTorchThreads;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.MiniLmImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One fine-tuning step ({@link TrainingStep}: forward, full-softmax loss over a 4,385-item matrix,
 * backward, clipping, AdamW) of the MiniLM-sized model (6 x 384, random init) on {@code batch}
 * histories of {@code length} tokens from real Scientific items, on the CPU with {@code threads}
 * PyTorch intra-op threads. Single-shot iterations: each iteration is one step (seconds each), so
 * the score is the mean step time over the measured iterations. The efficiency benchmark ({@code
 * EfficiencyBenchmark}) measures the same step over the whole size grid with memory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xss4m", "-Dai.djl.offline=true"})
public class TrainingStepBenchmark {

  @Param({"4"})
  public int batch;

  @Param({"256"})
  public int length;

  @Param({"2"})
  public int threads;

  Path directory;
  NDManager manager;
  RecformerModel model;
  TrainingStep step;
  HistorySampler sampler;
  RecformerTokenizer tokenizer;
  BatchCollator collator;
  HistorySampler.Batch next;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    PyTorchThreads.setIntraOpThreads(threads);
    directory = Files.createTempDirectory("recformer-jmh-step");
    Path tokenizerJson = directory.resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(tokenizerJson);
    RecformerConfig config = RecformerConfig.miniLmL6().toBuilder().maxTokens(length).build();
    tokenizer = RecformerTokenizer.open(tokenizerJson, config);
    Dataset data = BenchData.scientific();
    sampler =
        new HistorySampler(
            data,
            new ItemTokenCache(tokenizer, data.items()),
            config,
            true,
            new SplittableRandom(42));
    collator = BatchCollator.forLongformer(config, tokenizer.padId());
    manager = NDManager.newBaseManager();
    model = RecformerModel.newInstance(manager, config, 1);
    step = new TrainingStep(manager, model, data.itemCount());
  }

  /** The next batch is drawn outside the timed step. */
  @Setup(Level.Iteration)
  public void nextBatch() {
    next = sampler.next(batch);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    step.close();
    model.close();
    manager.close();
    tokenizer.close();
    Files.deleteIfExists(directory.resolve("tokenizer.json"));
    Files.deleteIfExists(directory);
  }

  @Benchmark
  public double step() {
    EncodedBatch input = collator.collate(next.sequences());
    return step.run(input, next.targets());
  }
}
