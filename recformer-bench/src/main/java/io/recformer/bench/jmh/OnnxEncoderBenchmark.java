package io.recformer.bench.jmh;

import ai.djl.ndarray.NDManager;
import io.recformer.bench.efficiency.HistorySampler;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.Provenance;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.train.export.OnnxExporter;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.MiniLmImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * The ONNX Runtime encoder ({@link RecformerEncoder}, recformer-infer) on an exported MiniLM-sized
 * bundle (all-MiniLM-L6-v2 weights imported into the Recformer model: 6 x 384, window 64): one call
 * of {@code encodeSequences} on {@code batch} histories of exactly {@code length} tokens built from
 * real Scientific items. Score = milliseconds per call; histories/s = batch / score. Threads =
 * {@code threads} intra-op. The bundle is exported once per trial into a temporary directory (a few
 * seconds, outside the measurement).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xss4m", "-Dai.djl.offline=true"})
public class OnnxEncoderBenchmark {

  @Param({"1", "8", "32"})
  public int batch;

  @Param({"128", "512"})
  public int length;

  @Param({"2"})
  public int threads;

  Path directory;
  RecformerEncoder encoder;
  List<EncodedSequence> histories;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    directory = Files.createTempDirectory("recformer-jmh-onnx");
    Path tokenizerJson = directory.resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(tokenizerJson);
    RecformerConfig config = RecformerConfig.miniLmL6();
    Path bundle = directory.resolve("bundle");
    try (NDManager manager = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(manager, config, 1)) {
      model.loadWeights(MiniLmImporter.importFromClasspath(config, 1));
      OnnxExporter.writeBundle(
          model, tokenizerJson, Provenance.capture("none", 1, Map.of()), bundle);
    }
    Dataset data = BenchData.scientific();
    // Histories cut to exactly `length` tokens: filled with consecutive real items.
    try (RecformerTokenizer tokenizer =
        RecformerTokenizer.open(tokenizerJson, config.toBuilder().maxTokens(length).build())) {
      ItemTokenCache cache = new ItemTokenCache(tokenizer, data.items());
      histories =
          new HistorySampler(data, cache, tokenizer.config(), true, new SplittableRandom(42))
              .next(batch)
              .sequences();
    }
    for (EncodedSequence h : histories) {
      if (h.length() != length) {
        throw new IllegalStateException(
            "history has " + h.length() + " tokens, expected " + length);
      }
    }
    encoder =
        RecformerEncoder.open(
            bundle, EncoderOptions.defaults().withIntraOpThreads(threads).withBatchSize(batch));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    encoder.close();
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public float[][] encodeBatch() {
    return encoder.encodeSequences(histories);
  }
}
