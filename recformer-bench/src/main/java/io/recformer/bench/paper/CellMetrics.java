package io.recformer.bench.paper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.bench.quality.QualityBenchmark;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.TiePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a finished child's result files into its {@link CellRecord}. A test number comes only from
 * the cell's final evaluation: a fine-tuning run's {@code finalTest} (its best model, chosen on
 * validation, scored once at the end), the zero-shot evaluation of the pre-trained {@code best/},
 * or a baseline's measured full-population row. Nothing here picks between results.
 */
final class CellMetrics {

  private static final ObjectMapper JSON = new ObjectMapper();

  private CellMetrics() {}

  /** True when the run directory holds the final result of a cell of this kind. */
  static boolean finished(GridCell.Kind kind, Path run) {
    return Files.isRegularFile(run.resolve(resultFile(kind)));
  }

  static String resultFile(GridCell.Kind kind) {
    return switch (kind) {
      case PRETRAIN, FINETUNE -> "report.json";
      case ZERO_SHOT -> "evaluation-test.json";
      case BASELINE -> "results.json";
    };
  }

  /**
   * Fills {@code record} from {@code run}; {@code pretrainRun} is the pre-training run whose
   * held-out accuracy chose a zero-shot cell's checkpoint.
   */
  static void read(GridCell.Kind kind, Path run, Path pretrainRun, CellRecord record)
      throws IOException {
    switch (kind) {
      case PRETRAIN -> {
        JsonNode report = json(run.resolve("report.json"));
        record.validationMetric = "held-out in-batch next-item accuracy (best checkpoint)";
        record.validationValue = number(report, "bestInBatchAccuracy", run);
      }
      case FINETUNE -> {
        JsonNode report = json(run.resolve("report.json"));
        JsonNode config = json(run.resolve("config.json"));
        String metric = config.path("options").path("validationMetric").asText("NDCG@10");
        evaluation(report.path("finalTest"), run.resolve("report.json") + ": finalTest", record);
        record.validationMetric =
            "validation " + metric + " (" + report.path("bestStage").asText("?") + ")";
        record.validationValue = number(report.path("bestValidation").path("metrics"), metric, run);
      }
      case ZERO_SHOT -> {
        JsonNode eval = json(run.resolve("evaluation-test.json"));
        evaluation(eval.path("model"), run.resolve("evaluation-test.json") + ": model", record);
        JsonNode pre = json(pretrainRun.resolve("report.json"));
        record.validationMetric =
            "pre-training held-out in-batch next-item accuracy (chose the checkpoint)";
        record.validationValue = number(pre, "bestInBatchAccuracy", pretrainRun);
      }
      case BASELINE -> {
        Path file = run.resolve("results.json");
        JsonNode rows = json(file).path("rows");
        JsonNode chosen = null;
        for (JsonNode row : rows) {
          // The published protocol only, as every Recformer cell (bench quality also reports
          // each model under expected ties and with history excluded, and per slice).
          if ("measured".equals(row.path("source").asText())
              && "all".equals(row.path("slice").asText())
              && QualityBenchmark.PUBLISHED_PROTOCOL.equals(row.path("protocol").asText())) {
            if (chosen != null) {
              throw new IOException(
                  file
                      + ": more than one measured row over all users under the published"
                      + " protocol ('"
                      + chosen.path("model").asText()
                      + "', '"
                      + row.path("model").asText()
                      + "'); a baseline cell runs exactly one model");
            }
            chosen = row;
          }
        }
        if (chosen == null) {
          throw new IOException(
              file
                  + ": no measured row over all users under the published protocol ('"
                  + QualityBenchmark.PUBLISHED_PROTOCOL
                  + "')");
        }
        record.test = metrics(chosen.path("metrics"), file);
        record.testStandardErrors = metrics(chosen.path("standardErrors"), file);
        record.testUsers = chosen.path("users").asInt();
        record.tiePolicy = TiePolicy.ORIGINAL.name();
        record.historyPolicy = HistoryPolicy.KEEP.name();
        record.validationMetric =
            "chosen inside the baseline on validation (early stopping where it trains): "
                + chosen.path("note").asText("");
        record.validationValue = null;
      }
    }
  }

  private static void evaluation(JsonNode node, String where, CellRecord record)
      throws IOException {
    if (node.isMissingNode() || node.isNull()) {
      throw new IOException(where + " is missing");
    }
    record.test = metrics(node.path("metrics"), Path.of(where));
    record.testStandardErrors = metrics(node.path("standardErrors"), Path.of(where));
    record.testUsers = node.path("users").asInt();
    record.tiePolicy = node.path("tiePolicy").asText();
    record.historyPolicy = node.path("historyPolicy").asText();
  }

  private static Map<String, Double> metrics(JsonNode node, Path where) throws IOException {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      out.put(e.getKey(), e.getValue().asDouble());
    }
    for (String m : PaperTables.METRICS) {
      if (!out.containsKey(m)) {
        throw new IOException(where + ": metric " + m + " is missing");
      }
    }
    return out;
  }

  private static Double number(JsonNode node, String key, Path where) throws IOException {
    JsonNode v = node.path(key);
    if (!v.isNumber()) {
      throw new IOException(where + ": '" + key + "' is missing or not a number");
    }
    return v.asDouble();
  }

  private static JsonNode json(Path file) throws IOException {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }
}
