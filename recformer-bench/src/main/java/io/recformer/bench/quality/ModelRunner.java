package io.recformer.bench.quality;

import io.recformer.bench.baseline.Bert4Rec;
import io.recformer.bench.baseline.Bert4RecConfig;
import io.recformer.bench.baseline.Gru4Rec;
import io.recformer.bench.baseline.Gru4RecConfig;
import io.recformer.bench.baseline.MiniLmSentenceEncoder;
import io.recformer.bench.baseline.PopularityBaseline;
import io.recformer.bench.baseline.SasRec;
import io.recformer.bench.baseline.SasRecConfig;
import io.recformer.bench.baseline.SequenceScorer;
import io.recformer.bench.baseline.TextBaseline;
import io.recformer.bench.baseline.TrainedBaseline;
import io.recformer.bench.baseline.TrainingSummary;
import io.recformer.core.config.Pooling;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.Item;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.text.ItemText;
import io.recformer.data.dataset.Dataset;
import io.recformer.train.model.PyTorchThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the models of one {@link QualityBenchmark} run, one method each, in the order the command
 * calls them: each fits or trains its model, evaluates it on test (and chooses a history penalty on
 * validation when asked), and adds its result rows, its settings lines and its {@link ModelRun}.
 */
final class ModelRunner {

  // The command's logger, so the run logs under one name as before this class was split out.
  private static final Logger LOG = LoggerFactory.getLogger(QualityBenchmark.class);

  private final QualityBenchmark options;
  private final Dataset dataset;
  private final EvaluationData eval;
  private final Map<String, String> settings;
  private final List<ResultRow> rows = new ArrayList<>();
  private final List<ModelRun> runs = new ArrayList<>();

  ModelRunner(
      QualityBenchmark options,
      Dataset dataset,
      EvaluationData eval,
      Map<String, String> settings) {
    this.options = options;
    this.dataset = dataset;
    this.eval = eval;
    this.settings = settings;
  }

  /** The rows so far, in run order (mutable: the command adds the published rows). */
  List<ResultRow> rows() {
    return rows;
  }

  List<ModelRun> runs() {
    return runs;
  }

  void popularity() {
    long t = System.nanoTime();
    PopularityBaseline pop = PopularityBaseline.fit(eval.itemCount(), eval.train());
    double secs = (System.nanoTime() - t) / 1e9;
    String note =
        "counts over training parts only (RecBole Pop); ID-based, unseen items at the floor";
    settings.put(
        "popularity",
        String.format(
            Locale.ROOT,
            "counts of each item in the training parts (each user's"
                + " items except the last two), %.2f s",
            secs));
    SequenceScorer scorer = idBased(pop);
    double valid = validationNdcg10(scorer);
    evaluate(scorer, note);
    runs.add(new ModelRun("popularity", pop.name(), seconds(t), null, valid, null));
  }

  void sasrec() {
    idModel(
        "sasrec",
        () ->
            SasRec.train(
                SasRecConfig.defaults()
                    .with(
                        options.sasrecEpochs,
                        options.sasrecPatience,
                        options.sasrecBatch,
                        options.sasrecDropout,
                        options.sasrecLearningRate,
                        options.seed),
                eval.itemCount(),
                eval.train(),
                eval.validation()),
        "; full-softmax cross-entropy over all items on every training prefix;"
            + " Adam; early stopping on validation NDCG@10 (original ties, history kept)");
  }

  void gru4rec() {
    idModel(
        "gru4rec",
        () ->
            Gru4Rec.train(
                Gru4RecConfig.defaults()
                    .with(
                        options.gru4recEpochs,
                        options.gru4recPatience,
                        options.gru4recBatch,
                        options.gru4recDropout,
                        options.gru4recLearningRate,
                        options.seed),
                eval.itemCount(),
                eval.train(),
                eval.validation()),
        "; one GRU layer over item embeddings, full-softmax cross-entropy over all items"
            + " on every training prefix; Adam; early stopping on validation NDCG@10");
  }

  void bert4rec() {
    idModel(
        "bert4rec",
        () ->
            Bert4Rec.train(
                Bert4RecConfig.defaults()
                    .with(
                        options.bert4recEpochs,
                        options.bert4recPatience,
                        options.bert4recBatch,
                        options.bert4recDropout,
                        options.bert4recLearningRate,
                        options.seed),
                eval.itemCount(),
                eval.train(),
                eval.validation()),
        "; bidirectional transformer, cloze masking, full-softmax cross-entropy over all"
            + " items at masked positions; prediction scores a [mask] appended to the history;"
            + " Adam; early stopping on validation NDCG@10");
  }

  /**
   * Trains an ID model, puts its hyperparameters and {@code description} into the settings and
   * evaluates it.
   */
  private void idModel(String key, Supplier<TrainedBaseline> train, String description) {
    long t = System.nanoTime();
    PyTorchThreads.setIntraOpThreads(options.threads);
    try (TrainedBaseline model = train.get()) {
      settings.put(key, model.settings() + description);
      runs.add(trained(key, model, t));
    }
  }

  /**
   * Evaluates a trained ID model on test and records its run: settings line, row note and the
   * {@link ModelRun} with the early-stopping record.
   */
  private ModelRun trained(String key, TrainedBaseline model, long started) {
    TrainingSummary s = model.summary();
    String note =
        String.format(
            Locale.ROOT,
            "best epoch %d of %d, %.0f s training, valid NDCG@10 %.4f; ID-based%s",
            s.bestEpoch(),
            s.epochsRun(),
            s.seconds(),
            s.bestValidationNdcg10(),
            options.idUnseenItems.equals("floor") ? ", unseen items at the floor" : "");
    settings.put(
        key + ".training",
        String.format(
            Locale.ROOT,
            "%d epochs run, best epoch %d, %.1f s, %d targets/epoch, validation NDCG@10 by"
                + " epoch %s",
            s.epochsRun(),
            s.bestEpoch(),
            s.seconds(),
            s.targetsPerEpoch(),
            rounded(s.validationNdcg10())));
    evaluate(idBased(model), note);
    return new ModelRun(key, model.name(), seconds(started), s, s.bestValidationNdcg10(), null);
  }

  void text() throws IOException {
    long started0 = System.nanoTime();
    List<String> texts = new ArrayList<>();
    for (Item item : dataset.items().items()) {
      texts.add(ItemText.flatten(item, 3));
    }
    long t = System.nanoTime();
    float[][] vectors;
    try (MiniLmSentenceEncoder encoder =
        MiniLmSentenceEncoder.open(options.textMaxTokens, options.threads)) {
      vectors = encoder.embed(texts, 32);
    }
    double embedSecs = (System.nanoTime() - t) / 1e9;
    TextBaseline text = new TextBaseline(vectors, 1.0, "MiniLM text, zero-shot");
    Map<Double, Double> byDecay = new LinkedHashMap<>();
    double bestDecay = Double.NaN;
    double best = Double.NEGATIVE_INFINITY;
    for (double decay : options.textDecays) {
      double ndcg = validationNdcg10(text.withDecay(decay));
      byDecay.put(decay, ndcg);
      if (ndcg > best) {
        best = ndcg;
        bestDecay = decay;
      }
    }
    text = text.withDecay(bestDecay);
    String note =
        String.format(
            Locale.ROOT,
            "decay %.1f (chosen on validation NDCG@10 %.4f); no training",
            bestDecay,
            best);
    settings.put(
        "text",
        String.format(
            Locale.ROOT,
            "all-MiniLM-L6-v2 (ONNX Runtime, jar's model and tokenizer), text ="
                + " ItemText.flatten(item, 3) (title, brand, category), truncation %d tokens,"
                + " masked mean pooling + L2 norm; history = normalized sum of item vectors"
                + " weighted decay^age (age 0 = most recent); score = cosine; %d item embeddings"
                + " in %.1f s",
            options.textMaxTokens,
            texts.size(),
            embedSecs));
    settings.put("text.validation NDCG@10 by decay", byDecay.toString());
    evaluate(text, note);
    runs.add(
        new ModelRun(
            "text",
            text.name(),
            seconds(started0),
            null,
            best,
            String.format(Locale.ROOT, "decay %s", bestDecay)));
  }

  /** The {@code --recformer} rows, in order, with {@code pooling} (null: each model's own). */
  void recformer(Pooling pooling) throws IOException {
    PyTorchThreads.setIntraOpThreads(options.threads);
    Path work = Files.createTempDirectory("recformer-quality");
    try {
      for (Map.Entry<String, String> row : options.recformer.entrySet()) {
        long t = System.nanoTime();
        QualityBenchmark.RowSource source =
            QualityBenchmark.RowSource.parse(
                row.getKey(), row.getValue(), options.recformerMaxTokens);
        try (RecformerScorer scorer =
            RecformerScorer.open(
                row.getKey(),
                source.weights(),
                dataset,
                source.maxTokens(),
                pooling,
                options.recformerBatch,
                options.seed,
                options.recformerRuntime,
                options.threads,
                work)) {
          double openSecs = (System.nanoTime() - t) / 1e9;
          settings.put(
              "recformer." + row.getKey(),
              String.format(
                  Locale.ROOT,
                  "%s; score = cosine of history and item encodings; item matrix ready in %.0f s",
                  scorer.description(),
                  openSecs));
          evaluate(scorer, scorer.description());
        }
      }
    } finally {
      AtomicFiles.deleteRecursively(work);
    }
  }

  /** Validation NDCG@10 under the published protocol (original ties, history kept). */
  private double validationNdcg10(SequenceScorer scorer) {
    return SliceEvaluator.evaluate(
            scorer, eval.validation(), List.of(Protocol.PUBLISHED), eval::inTraining)
        .get(Protocol.PUBLISHED)
        .get(Slice.ALL)
        .get("NDCG@10");
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /**
   * An ID-based scorer as evaluated: unseen items at the floor unless --id-unseen-items learned.
   */
  private SequenceScorer idBased(SequenceScorer scorer) {
    return options.idUnseenItems.equals("floor")
        ? new UnseenItemFloor(scorer, eval::inTraining)
        : scorer;
  }

  private void evaluate(SequenceScorer scorer, String note) {
    List<Protocol> protocols = new ArrayList<>(Protocol.ALL);
    if (!options.historyPenalties.isEmpty()) {
      double chosen = chooseHistoryPenalty(scorer);
      protocols.add(Protocol.penalized(chosen));
      protocols.add(Protocol.penalizedExpected(chosen));
    }
    Map<Protocol, Map<Slice, MetricReport>> reports =
        SliceEvaluator.evaluate(scorer, eval.test(), protocols, eval::inTraining);
    reports.forEach(
        (protocol, perSlice) ->
            perSlice.forEach(
                (slice, r) -> {
                  Map<String, Double> se = new LinkedHashMap<>();
                  r.metrics().keySet().forEach(k -> se.put(k, r.standardError(k)));
                  String rowNote =
                      protocol.penalizedRow()
                          ? String.format(
                              Locale.ROOT,
                              "history penalty %s (chosen on validation); %s",
                              protocol.historyPenalty(),
                              note)
                          : note;
                  rows.add(
                      new ResultRow(
                          scorer.name(),
                          ResultRow.MEASURED,
                          protocol.label(),
                          slice.label(),
                          r.users(),
                          r.metrics(),
                          se,
                          rowNote));
                }));
  }

  /**
   * The history penalty with the best validation NDCG@10 (original ties, history kept) among {@code
   * --history-penalties}, the smallest on a tie; every value's score goes into the settings.
   */
  private double chooseHistoryPenalty(SequenceScorer scorer) {
    List<Double> candidates = options.historyPenalties.stream().distinct().sorted().toList();
    List<Protocol> protocols = candidates.stream().map(Protocol::penalized).toList();
    Map<Protocol, Map<Slice, MetricReport>> reports =
        SliceEvaluator.evaluate(scorer, eval.validation(), protocols, eval::inTraining);
    Map<Double, String> byPenalty = new LinkedHashMap<>();
    double chosen = candidates.get(0);
    double best = Double.NEGATIVE_INFINITY;
    for (Protocol p : protocols) {
      double ndcg = reports.get(p).get(Slice.ALL).get("NDCG@10");
      byPenalty.put(p.historyPenalty(), String.format(Locale.ROOT, "%.4f", ndcg));
      if (ndcg > best) {
        best = ndcg;
        chosen = p.historyPenalty();
      }
    }
    settings.put(
        scorer.name() + ".validation NDCG@10 by history penalty", byPenalty + ", chosen " + chosen);
    LOG.info(
        "{}: history penalty {} chosen on validation (NDCG@10 {})",
        scorer.name(),
        chosen,
        String.format(Locale.ROOT, "%.4f", best));
    return chosen;
  }

  private static String rounded(List<Double> values) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      s.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", values.get(i)));
    }
    return s.append(']').toString();
  }
}
