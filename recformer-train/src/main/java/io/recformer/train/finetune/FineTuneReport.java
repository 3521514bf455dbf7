package io.recformer.train.finetune;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.ConfigJson;
import io.recformer.core.metrics.CosineSpread;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.metrics.TiePolicy;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.eval.ItemMatrixSpread;
import io.recformer.train.run.RunDirectory;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The report of a fine-tuning run: config.json and provenance.json at its start, the item matrices'
 * spread as it goes, and at its end report.json (every number, with the policies it was measured
 * under) and report.md (the table a reader looks at first, with the settings that change how to
 * read it).
 */
final class FineTuneReport {

  private static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);

  /**
   * What the run did, for the report.
   *
   * @param steps optimizer steps of the whole run
   * @param samplesSeen training samples over all epochs
   * @param validationUsers users in model selection
   * @param bestStage the stage whose model was kept
   * @param wallSeconds wall time of this process (a resumed run counts from the resume)
   */
  record Totals(
      long steps, long samplesSeen, int validationUsers, String bestStage, double wallSeconds) {}

  private final FineTuneOptions options;
  private final RecformerConfig config;
  private final RunDirectory run;

  FineTuneReport(FineTuneOptions options, RecformerConfig config, RunDirectory run) {
    this.options = options;
    this.config = config;
    this.run = run;
  }

  /** Writes config.json (the options, the model config, the data's sizes) and provenance.json. */
  void writeRunFiles(
      LeaveOneOutSplit split,
      int validationUsers,
      int testUsers,
      int items,
      String datasetFingerprint)
      throws IOException {
    ObjectNode c = RunDirectory.JSON.createObjectNode();
    c.set("options", RunDirectory.JSON.valueToTree(optionsMap()));
    c.set("model", RunDirectory.JSON.readTree(ConfigJson.toJson(config)));
    c.put("dataset", split.dataset().name());
    c.put("trainSequences", split.train().size());
    c.put("validationUsers", validationUsers);
    c.put("testUsers", testUsers);
    c.put("items", items);
    run.writeJson("config.json", c);
    run.writeTrainingProvenance(datasetFingerprint, options.seed(), options.device(), "finetune");
  }

  private Map<String, Object> optionsMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (var component : FineTuneOptions.class.getRecordComponents()) {
      try {
        Object v = component.getAccessor().invoke(options);
        m.put(
            component.getName(),
            v == null ? null : v instanceof Number || v instanceof Boolean ? v : v.toString());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return m;
  }

  /**
   * Logs how spread out the item vectors are and the logit spread that gives at the training
   * temperature: under about one nat the softmax is nearly flat (see {@link CosineSpread}).
   */
  CosineSpread logSpread(NDArray itemMatrix) {
    CosineSpread spread = ItemMatrixSpread.of(itemMatrix, options.seed());
    LOG.info(
        String.format(
            Locale.ROOT,
            "item matrix: %s; logit sd at temperature %s: %.2f",
            spread,
            config.temperature(),
            spread.logitSpread(config.temperature())));
    return spread;
  }

  private String budget(double minutes) {
    return minutes == 0 ? "unbounded" : String.format(Locale.ROOT, "%.0f", minutes);
  }

  /** Writes report.json and report.md into the run directory. */
  void write(
      Totals totals,
      MetricReport test,
      MetricReport zero,
      MetricReport pop,
      MetricReport bestVal,
      CosineSpread spread)
      throws IOException {
    ObjectNode r = RunDirectory.JSON.createObjectNode();
    r.put("variant", options.variant().name());
    r.put("samplePolicy", options.samplePolicy().name());
    r.put("pooling", config.pooling().name());
    r.put("maxTokens", config.maxTokens());
    r.put("tiePolicy", options.tiePolicy().name());
    r.put("historyPolicy", options.historyPolicy().name());
    r.put("historyNegativeMargin", options.historyNegativeMargin());
    r.put("historyPenalty", options.historyPenalty());
    r.put("lengthGroupBatches", options.lengthGroupBatches());
    r.put("matrixRefreshSteps", options.matrixRefreshSteps());
    r.put("matrixLearningRate", options.matrixLearningRate());
    r.put("stage2TrainsMatrix", options.stage2TrainsMatrix());
    r.put("temperature", config.temperature());
    r.set("itemMatrixSpread", spread.toJson(config.temperature()));
    r.put("averaging", "per-user mean");
    r.put("testUsers", test.users());
    r.put("steps", totals.steps());
    r.put("trainingSamplesSeen", totals.samplesSeen());
    r.put("validationUsers", totals.validationUsers());
    r.put("bestStage", totals.bestStage());
    r.put("wallSecondsThisProcess", totals.wallSeconds());
    if (zero != null) {
      r.set("zeroShotTest", node(zero));
    } else {
      r.putNull("zeroShotTest");
    }
    r.set("finalTest", node(test));
    r.set("popularityTest", node(pop));
    r.set("bestValidation", node(bestVal));
    StringBuilder md = new StringBuilder();
    md.append("# Fine-tuning report\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Variant %s, sample policy %s, %s pooling, max tokens %d, seed %d, %d optimizer"
                + " steps; best model from %s. Test users: %d. Ties: %s; history items: %s;"
                + " metrics are per-user means (± standard error in report.json).%n%n",
            options.variant(),
            options.samplePolicy(),
            config.pooling(),
            config.maxTokens(),
            options.seed(),
            totals.steps(),
            totals.bestStage(),
            test.users(),
            options.tiePolicy(),
            options.historyPolicy()));
    md.append(
        String.format(
            Locale.ROOT,
            "Budget: %d training samples seen (%s per epoch),"
                + " stage minutes %s / %s, %d validation users for model selection.%n%n",
            totals.samplesSeen(),
            options.samplesPerEpoch() == 0 ? "all" : Integer.toString(options.samplesPerEpoch()),
            budget(options.stage1Minutes()),
            budget(options.stage2Minutes()),
            totals.validationUsers()));
    md.append(
        String.format(
            Locale.ROOT,
            "Training temperature %s. Best model's item matrix:"
                + " %s; at this temperature one query's logits spread by %.2f (sd).%n%n",
            config.temperature(),
            spread,
            spread.logitSpread(config.temperature())));
    if (options.historyNegativeMargin() > 0) {
      md.append(
          String.format(
              Locale.ROOT,
              "Training raised each sample's history items by a cosine margin of %s in the"
                  + " softmax (historyNegativeMargin); evaluation ranks them as the history"
                  + " policy above says.%n%n",
              options.historyNegativeMargin()));
    }
    if (options.historyPenalty() > 0) {
      md.append(
          String.format(
              Locale.ROOT,
              "Scores of each user's history items were lowered by %s (cosine; historyPenalty) in"
                  + " training and in every ranking of this run; history items still compete (not"
                  + " the paper's scoring).%n%n",
              options.historyPenalty()));
    }
    if (options.lengthGroupBatches() > 0) {
      md.append(
          String.format(
              Locale.ROOT,
              "Training batches were grouped by history length in"
                  + " runs of %d micro-batches (lengthGroupBatches).%n%n",
              options.lengthGroupBatches()));
    }
    if (options.stage2TrainsMatrix() && !totals.bestStage().equals(FineTuner.STAGE2)) {
      md.append(
          "Stage 2 trained the item matrix as a parameter (stage2TrainsMatrix) but did not"
              + " improve validation: the kept model ranks with its own encoding of the"
              + " items.\n\n");
    } else if (options.variant() == Variant.TRAINABLE_MATRIX || options.stage2TrainsMatrix()) {
      md.append(
          String.format(
              Locale.ROOT,
              "The item matrix was trained as a parameter (%s)"
                  + " at a peak rate of %s; its rows are no longer the items' text encodings, so"
                  + " a new item's encoding is not on the same footing as the trained rows.%n%n",
              options.stage2TrainsMatrix()
                  ? "in stage 2, from the best stage-1 model's matrix"
                  : "from the initial model's encodings",
              options.matrixLearningRate() > 0 ? options.matrixLearningRate() : "the encoder's"));
    }
    // markdownHeader / markdownRow end their lines themselves.
    md.append(test.markdownHeader("model"));
    md.append(pop.markdownRow("popularity"));
    if (zero != null) {
      md.append(zero.markdownRow("zero-shot"));
    }
    md.append(test.markdownRow("fine-tuned"));
    if (zero == null) {
      md.append("\nThe zero-shot test evaluation was skipped (zeroShotTest = false).\n");
    }
    md.append(
        "\nCharts: loss.png, validation.png. Per-step and per-evaluation metrics:"
            + " metrics-steps.csv, metrics-eval.csv.\n");
    run.writeReport(r, md.toString());
  }

  /** A metric report as JSON (metrics, standard errors, users, policies). */
  static ObjectNode node(MetricReport r) {
    ObjectNode n = RunDirectory.JSON.createObjectNode();
    ObjectNode m = n.putObject("metrics");
    r.metrics().forEach(m::put);
    ObjectNode e = n.putObject("standardErrors");
    r.standardErrors().forEach(e::put);
    n.put("users", r.users());
    n.put("tiePolicy", r.tiePolicy().name());
    n.put("historyPolicy", r.historyPolicy().name());
    return n;
  }

  /** The inverse of {@link #node}. */
  static MetricReport parse(JsonNode n) {
    Map<String, Double> m = new LinkedHashMap<>();
    n.get("metrics").properties().forEach(e -> m.put(e.getKey(), e.getValue().asDouble()));
    Map<String, Double> e = new LinkedHashMap<>();
    n.get("standardErrors")
        .properties()
        .forEach(
            x -> e.put(x.getKey(), x.getValue().isNumber() ? x.getValue().asDouble() : Double.NaN));
    return new MetricReport(
        m,
        e,
        n.get("users").asLong(),
        TiePolicy.valueOf(n.get("tiePolicy").asText()),
        HistoryPolicy.valueOf(n.get("historyPolicy").asText()));
  }
}
