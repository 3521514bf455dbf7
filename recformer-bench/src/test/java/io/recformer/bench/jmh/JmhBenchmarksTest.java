package io.recformer.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.EncodedSequence;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The JMH benchmarks compile into a benchmark list, one runs end to end through {@link
 * JmhBenchmarks} with minimal iterations, and every benchmark's setup and body run once here with
 * small parameters (the real runs use larger ones in forked JVMs).
 */
class JmhBenchmarksTest {

  @TempDir Path tmp;

  @Test
  void topKRunsThroughJmhAndWritesJsonAndMarkdown() throws Exception {
    var options =
        new OptionsBuilder()
            .include(TopKBenchmark.class.getName() + ".singleQuery")
            .param("items", "2000")
            .param("dim", "64")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(200))
            .build();
    String md = JmhBenchmarks.run(options, tmp);

    assertThat(md)
        .contains("| TopKBenchmark.singleQuery | dim=64, items=2000, threads=1 | avgt |")
        .contains("Machine: ")
        .contains("commit ")
        .contains("| n/a | ms/op | 0 x 1 |");
    assertThat(Files.readString(tmp.resolve("jmh.md"))).isEqualTo(md);
    JsonNode json = new ObjectMapper().readTree(tmp.resolve("jmh.json").toFile());
    assertThat(json).hasSize(1);
    assertThat(json.get(0).get("benchmark").asText())
        .isEqualTo(TopKBenchmark.class.getName() + ".singleQuery");
    // A 2,000 x 64 scan takes microseconds, far below a second.
    double ms = json.get(0).get("primaryMetric").get("score").asDouble();
    assertThat(ms).isPositive().isLessThan(1000);
  }

  @Test
  void benchmarkListHoldsEveryBenchmark() throws Exception {
    String list =
        new String(
            JmhBenchmarksTest.class.getResourceAsStream("/META-INF/BenchmarkList").readAllBytes(),
            StandardCharsets.UTF_8);
    assertThat(list)
        .contains(
            "InputEncodingBenchmark_tokenizeItems",
            "InputEncodingBenchmark_encodeHistories",
            "InputEncodingBenchmark_encodeAndCollate",
            "OnnxEncoderBenchmark_encodeBatch",
            "TopKBenchmark_singleQuery",
            "TopKBenchmark_batchOf16",
            "TrainingStepBenchmark_step");
  }

  @Test
  void inputEncodingSetupAndBodies() throws Exception {
    InputEncodingBenchmark b = new InputEncodingBenchmark();
    b.setUp();
    try {
      assertThat((List<?>) b.tokenizeItems()).hasSize(InputEncodingBenchmark.ITEMS_PER_CALL);
      @SuppressWarnings("unchecked")
      List<EncodedSequence> histories = (List<EncodedSequence>) b.encodeHistories();
      assertThat(histories)
          .hasSize(InputEncodingBenchmark.HISTORIES_PER_CALL)
          .allSatisfy(h -> assertThat(h.length()).isBetween(2, 512));
      // four batches of 16, each padded to a multiple of the 64-token window
      long lengths = b.encodeAndCollate();
      assertThat(lengths % 64).isZero();
      assertThat(lengths).isBetween(4L * 64, 4L * 512);
    } finally {
      b.tearDown();
    }
  }

  @Test
  void topKSetupAndBodies() {
    TopKBenchmark b = new TopKBenchmark();
    b.items = 500;
    b.dim = 32;
    b.threads = 1;
    b.setUp();
    assertThat((List<?>) b.singleQuery()).hasSize(10);
    assertThat((List<?>) b.batchOf16()).hasSize(16);
  }

  @Test
  void onnxEncoderSetupAndBody() throws Exception {
    OnnxEncoderBenchmark b = new OnnxEncoderBenchmark();
    b.batch = 2;
    b.length = 128;
    b.threads = 1;
    b.setUp();
    try {
      assertThat(b.histories).hasSize(2).allSatisfy(h -> assertThat(h.length()).isEqualTo(128));
      float[][] vectors = b.encodeBatch();
      assertThat(vectors).hasNumberOfRows(2);
      assertThat(vectors[0]).hasSize(384);
    } finally {
      b.tearDown();
    }
    assertThat(b.directory).doesNotExist();
  }

  @Test
  void trainingStepSetupAndBody() throws Exception {
    TrainingStepBenchmark b = new TrainingStepBenchmark();
    b.batch = 2;
    b.length = 64;
    b.threads = 1;
    b.setUp();
    try {
      b.nextBatch();
      EncodedBatch input = b.collator.collate(b.next.sequences());
      assertThat(input.length()).isEqualTo(64);
      double first = b.step();
      double second = b.step(); // same batch after one AdamW update
      assertThat(first).isFinite().isPositive();
      assertThat(second).isFinite().isNotEqualTo(first);
    } finally {
      b.tearDown();
    }
  }
}
