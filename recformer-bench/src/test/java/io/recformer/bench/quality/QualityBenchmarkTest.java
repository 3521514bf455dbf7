package io.recformer.bench.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.bench.baseline.IndexedExample;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.TiePolicy;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.eval.Encoder;
import io.recformer.train.eval.RankingEvaluator;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.MiniLmImporter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class QualityBenchmarkTest {

  @TempDir Path tmp;

  /**
   * A tiny JSON-sequence dataset: 24 users walking a cycle of 10 items (from different starts), and
   * item 10 that only ever appears as a test target, so the cold-start slice is non-empty.
   */
  private Path tinyDataset() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("tiny"));
    StringBuilder items = new StringBuilder("{");
    String[] words = {
      "glue",
      "tape",
      "pen",
      "paper",
      "stapler",
      "ruler",
      "scissors",
      "clip",
      "folder",
      "ink",
      "eraser"
    };
    for (int i = 0; i < words.length; i++) {
      items
          .append(i == 0 ? "" : ",")
          .append('"')
          .append(i)
          .append("\":{\"title\":\"Office ")
          .append(words[i])
          .append("\",\"description\":\"\",\"brand\":\"Acme\",\"categories\":\"Office Supplies\"}");
    }
    items.append('}');
    StringBuilder inter = new StringBuilder("{");
    for (int u = 0; u < 24; u++) {
      inter.append(u == 0 ? "" : ",").append('"').append(u).append("\":[");
      int length = 5 + u % 3;
      for (int k = 0; k < length; k++) {
        int item = (u + k) % 10;
        if (u % 6 == 0 && k == length - 1) {
          item = 10;
        }
        inter.append(k == 0 ? "" : ",").append(item);
      }
      inter.append(']');
    }
    inter.append('}');
    Files.writeString(dir.resolve("Tiny.item.json"), items, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("Tiny.inter.json"), inter, StandardCharsets.UTF_8);
    return dir;
  }

  @Test
  void writesCsvJsonMarkdownAndChartForAllBaselines() throws Exception {
    Path out = tmp.resolve("out");
    QualityBenchmark bench = new QualityBenchmark();
    new CommandLine(bench)
        .parseArgs(
            "--data",
            tinyDataset().toString(),
            "--out",
            out.toString(),
            "--threads",
            "1",
            "--sasrec-epochs",
            "2",
            "--text-max-tokens",
            "32",
            "--text-decays",
            "1.0,0.5");
    QualityBenchmark.Outcome outcome = bench.run();

    assertThat(out.resolve("results.csv")).exists();
    List<String> csv = Files.readAllLines(out.resolve("results.csv"));
    assertThat(csv.get(0))
        .startsWith("model,source,protocol,slice,users,Recall@10,NDCG@10,Recall@50,NDCG@50,MRR");
    // 3 models x 3 protocols x 3 slices (all, in-set, cold-start), nothing published for this data.
    assertThat(csv).hasSize(1 + 27);
    assertThat(csv)
        .anyMatch(
            l ->
                l.startsWith("Popularity,measured,original ties history kept")
                    || l.startsWith("Popularity,measured,\"original ties, history kept\",all,24,"));

    JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertThat(json.get("formatVersion").asInt()).isEqualTo(1);
    assertThat(json.get("settings").get("users").asText()).isEqualTo("24");
    assertThat(json.get("settings").get("cold-start test targets").asText()).isEqualTo("4");
    assertThat(json.get("rows")).hasSize(27);

    String md = Files.readString(out.resolve("results.md"));
    assertThat(md)
        .isEqualTo(outcome.markdown())
        .contains("### Measured: original ties, history kept (the published protocol)")
        .contains("| SASRec |")
        .contains("| Popularity |")
        .contains("| MiniLM text, zero-shot |")
        .contains("cold-start");
    assertThat(ImageIO.read(out.resolve("results.png").toFile()).getWidth()).isEqualTo(900);

    // Popularity's cold-start targets (item 10, never in training) score 0 below all ten seen
    // items: rank 10 exactly, so Recall@10 = 0 and MRR = 1/11 under every tie policy.
    ResultRow coldPop =
        outcome.rows().stream()
            .filter(
                r ->
                    r.model().equals("Popularity")
                        && r.slice().equals("cold-start")
                        && r.protocol().equals(Protocol.EXPECTED.label()))
            .findFirst()
            .orElseThrow();
    assertThat(coldPop.users()).isEqualTo(4);
    assertThat(coldPop.metric("Recall@10")).isEqualTo(0.0);
    assertThat(coldPop.metric("MRR")).isCloseTo(1 / 11.0, within(1e-12));
  }

  /**
   * With one penalty of 10 (far beyond any cosine gap) every history item ranks below every other
   * item; no test target of the tiny data is in its history, so the penalized expected-ties rows
   * equal the history-excluded ones, and the original-ties penalized row is added beside them.
   */
  @Test
  void historyPenaltyRowsAreChosenOnValidationAndMatchHistoryExclusionWhenHuge() throws Exception {
    Path out = tmp.resolve("penalty");
    QualityBenchmark bench = new QualityBenchmark();
    new CommandLine(bench)
        .parseArgs(
            "--data",
            tinyDataset().toString(),
            "--out",
            out.toString(),
            "--threads",
            "1",
            "--models",
            "text",
            "--text-max-tokens",
            "32",
            "--text-decays",
            "1.0",
            "--history-penalties",
            "10");
    QualityBenchmark.Outcome outcome = bench.run();
    // 1 model x (3 protocols + 2 penalized) x 3 slices.
    assertThat(outcome.rows()).filteredOn(ResultRow::measured).hasSize(15);
    for (String slice : List.of("all", "in-set", "cold-start")) {
      ResultRow penalized = row(outcome, Protocol.PENALIZED_EXPECTED_LABEL, slice);
      ResultRow excluded = row(outcome, Protocol.EXPECTED_EXCLUDE.label(), slice);
      for (String metric : List.of("Recall@10", "NDCG@10", "MRR")) {
        assertThat(penalized.metric(metric))
            .as(slice + " " + metric)
            .isCloseTo(excluded.metric(metric), within(1e-12));
      }
    }
    assertThat(row(outcome, Protocol.PENALIZED_LABEL, "all").note())
        .startsWith("history penalty 10.0 (chosen on validation)");
    assertThat(row(outcome, Protocol.PENALIZED_LABEL, "all").metric("MRR"))
        .isGreaterThan(row(outcome, Protocol.PUBLISHED.label(), "all").metric("MRR"));
    assertThat(outcome.settings())
        .containsKey("MiniLM text, zero-shot.validation NDCG@10 by history penalty");
    assertThat(outcome.markdown())
        .contains("### Measured: " + Protocol.PENALIZED_LABEL + " chosen per model");
  }

  @Test
  void maxUsersThinsValidationAndTestOnlyWithASeededDraw() throws Exception {
    Dataset dataset = Datasets.open(tinyDataset());
    EvaluationData all = EvaluationData.of(dataset, 0, 5);
    EvaluationData some = EvaluationData.of(dataset, 10, 5);
    // Training is every user's, whatever is evaluated.
    assertThat(some.train()).hasSize(all.train().size());
    for (int i = 0; i < all.train().size(); i++) {
      assertThat(some.train().get(i)).containsExactly(all.train().get(i));
    }
    assertThat(some.trainInteractions()).isEqualTo(all.trainInteractions());
    assertThat(some.users()).isEqualTo(24);
    assertThat(all.evaluatedUsers()).isEqualTo(24);
    assertThat(some.evaluatedUsers()).isEqualTo(10);
    assertThat(some.test()).hasSize(10).isSubsetOf(all.test());
    assertThat(some.validation()).hasSize(10).isSubsetOf(all.validation());
    // The same users in validation and test: each test history is its validation history + target.
    for (IndexedExample v : some.validation()) {
      assertThat(some.test())
          .anyMatch(
              t ->
                  t.history().length == v.history().length + 1
                      && t.history()[v.history().length] == v.target());
    }
    // Seeded: the same seed draws the same users, another seed others.
    assertThat(EvaluationData.of(dataset, 10, 5).test()).isEqualTo(some.test());
    assertThat(EvaluationData.of(dataset, 10, 6).test()).isNotEqualTo(some.test());
    // Not the first N users any more (the old behaviour cut the dataset to them).
    assertThat(some.test()).isNotEqualTo(all.test().subList(0, 10));
  }

  @Test
  void eachIdModelRunsAloneAndRecordsItsRunInResultsJson() throws Exception {
    for (String model : List.of("gru4rec", "bert4rec")) {
      Path out = tmp.resolve("one-" + model);
      QualityBenchmark bench = new QualityBenchmark();
      new CommandLine(bench)
          .parseArgs(
              "--data",
              tinyDataset().toString(),
              "--out",
              out.toString(),
              "--threads",
              "1",
              "--models",
              model,
              "--seed",
              "3",
              "--max-users",
              "12",
              "--" + model + "-epochs",
              "3",
              "--" + model + "-patience",
              "2");
      QualityBenchmark.Outcome outcome = bench.run();
      String name = model.equals("gru4rec") ? "GRU4Rec" : "BERT4Rec";
      assertThat(outcome.rows())
          .filteredOn(ResultRow::measured)
          .allMatch(r -> r.model().equals(name));
      assertThat(row(outcome, Protocol.PUBLISHED.label(), "all").users()).isEqualTo(12);
      JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
      assertThat(json.get("settings").get("users").asText()).isEqualTo("24");
      JsonNode run = json.get("models").get(model);
      assertThat(json.get("models").size()).isEqualTo(1);
      assertThat(run.get("name").asText()).isEqualTo(name);
      int epochs = run.get("epochsRun").asInt();
      int best = run.get("bestEpoch").asInt();
      assertThat(epochs).isBetween(1, 3);
      assertThat(best).isBetween(1, epochs);
      assertThat(run.get("validationNdcg10").asDouble())
          .isEqualTo(run.get("validationNdcg10ByEpoch").get(best - 1).asDouble());
      assertThat(run.get("trainLossByEpoch").size()).isEqualTo(epochs);
    }
  }

  private static ResultRow row(QualityBenchmark.Outcome outcome, String protocol, String slice) {
    return outcome.rows().stream()
        .filter(r -> r.measured() && r.protocol().equals(protocol) && r.slice().equals(slice))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row " + protocol + " / " + slice));
  }

  @Test
  void recformerRowsEqualTheFineTunerEvaluation() throws Exception {
    // A Recformer row (zero-shot MiniLM) must give exactly what fine-tuning's RankingEvaluator
    // reports for the same model, examples and protocol (original ties, history kept).
    Path data = tinyDataset();
    Path out = tmp.resolve("rec");
    QualityBenchmark bench = new QualityBenchmark();
    new CommandLine(bench)
        .parseArgs(
            "--data",
            data.toString(),
            "--out",
            out.toString(),
            "--models",
            "none",
            "--recformer",
            "Recformer zero-shot=minilm",
            "--recformer-max-tokens",
            "64",
            "--recformer-pooling",
            "MEAN");
    QualityBenchmark.Outcome outcome = bench.run();
    ResultRow row =
        outcome.rows().stream()
            .filter(
                r ->
                    r.model().equals("Recformer zero-shot")
                        && r.slice().equals("all")
                        && r.protocol().equals(Protocol.PUBLISHED.label()))
            .findFirst()
            .orElseThrow();
    assertThat(row.users()).isEqualTo(24);
    assertThat(outcome.rows())
        .anyMatch(
            r ->
                r.model().equals("Recformer zero-shot")
                    && r.slice().equals("cold-start")
                    && r.users() == 4);
    assertThat(outcome.markdown())
        .contains("| Recformer zero-shot |")
        .contains("all-MiniLM-L6-v2 weights, no training, MEAN pooling, 64 max tokens");

    Dataset dataset = Datasets.importAuto(data).dataset();
    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder().maxTokens(64).pooling(Pooling.MEAN).build();
    Path json = tmp.resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(json);
    try (var tokenizer = RecformerTokenizer.open(json, config);
        var manager = NDManager.newBaseManager();
        var model = RecformerModel.newInstance(manager, config, 42)) {
      Checkpoints.loadInto(model, MiniLmImporter.importFromClasspath(config, 42));
      var cache = new ItemTokenCache(tokenizer, dataset.items()).tokenizeAll();
      var encoder = new Encoder(model, cache, tokenizer.padId(), 8);
      var reference =
          new RankingEvaluator(TiePolicy.ORIGINAL, HistoryPolicy.KEEP, 256)
              .evaluate(encoder, LeaveOneOutSplit.of(dataset).test(), encoder.itemMatrix(manager));
      for (String metric : List.of("Recall@10", "NDCG@10", "MRR", "NDCG@50")) {
        assertThat(row.metric(metric)).as(metric).isCloseTo(reference.get(metric), within(1e-6));
      }
    }
  }

  @Test
  void onnxRuntimeRowsEqualTheDjlRows() throws Exception {
    // The exported model in ONNX Runtime must rank like the DJL model: the same metrics for every
    // protocol and slice (scores differ by float rounding only).
    Path data = tinyDataset();
    List<ResultRow> djl = recformerRows(data, "DJL");
    List<ResultRow> onnx = recformerRows(data, "ONNX");
    assertThat(onnx).hasSameSizeAs(djl);
    for (int i = 0; i < djl.size(); i++) {
      ResultRow a = djl.get(i);
      ResultRow b = onnx.get(i);
      assertThat(b.slice() + b.protocol()).isEqualTo(a.slice() + a.protocol());
      assertThat(b.users()).isEqualTo(a.users());
      for (String metric : List.of("Recall@10", "NDCG@10", "Recall@50", "NDCG@50", "MRR")) {
        assertThat(b.metric(metric))
            .as(a.slice() + " " + a.protocol() + " " + metric)
            .isCloseTo(a.metric(metric), within(1e-5));
      }
    }
  }

  private List<ResultRow> recformerRows(Path data, String runtime) throws Exception {
    QualityBenchmark bench = new QualityBenchmark();
    new CommandLine(bench)
        .parseArgs(
            "--data",
            data.toString(),
            "--out",
            tmp.resolve("rt-" + runtime).toString(),
            "--models",
            "none",
            "--published",
            "none",
            "--recformer",
            "R=minilm@64",
            "--recformer-runtime",
            runtime);
    QualityBenchmark.Outcome outcome = bench.run();
    assertThat(outcome.markdown())
        .contains("64 max tokens")
        .contains(
            runtime.equals("ONNX")
                ? "histories encoded by ONNX Runtime"
                : "histories encoded by DJL");
    return outcome.rows().stream().filter(r -> r.model().equals("R")).toList();
  }

  @Test
  void recformerRowsMayCarryTheirOwnMaxTokens() {
    assertThat(QualityBenchmark.RowSource.parse("a", "runs/ft/best@128", 256))
        .isEqualTo(new QualityBenchmark.RowSource("runs/ft/best", 128));
    assertThat(QualityBenchmark.RowSource.parse("a", "minilm", 256))
        .isEqualTo(new QualityBenchmark.RowSource("minilm", 256));
    assertThat(QualityBenchmark.RowSource.parse("a", "dir@home/x", 0))
        .isEqualTo(new QualityBenchmark.RowSource("dir@home/x", 0));
    assertThatThrownBy(() -> QualityBenchmark.RowSource.parse("zero", "minilm@1", 256))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--recformer 'zero=minilm@1': max tokens 1 must be >= 2");
  }

  @Test
  void rejectsUnknownModels() throws Exception {
    QualityBenchmark bench = new QualityBenchmark();
    new CommandLine(bench)
        .parseArgs(
            "--data",
            tinyDataset().toString(),
            "--out",
            tmp.resolve("x").toString(),
            "--models",
            "popularity,bert5rec");
    assertThatThrownBy(bench::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown model 'bert5rec': expected popularity, sasrec, gru4rec, bert4rec, text or"
                + " none");
  }
}
