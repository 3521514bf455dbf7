package io.recformer.bench.quality;

import io.recformer.bench.baseline.Bert4Rec;
import io.recformer.bench.baseline.Bert4RecConfig;
import io.recformer.bench.baseline.Gru4Rec;
import io.recformer.bench.baseline.Gru4RecConfig;
import io.recformer.bench.baseline.IndexedExample;
import io.recformer.bench.baseline.MiniLmSentenceEncoder;
import io.recformer.bench.baseline.PopularityBaseline;
import io.recformer.bench.baseline.SasRec;
import io.recformer.bench.baseline.SasRecConfig;
import io.recformer.bench.baseline.SequenceScorer;
import io.recformer.bench.baseline.TextBaseline;
import io.recformer.bench.baseline.TrainedBaseline;
import io.recformer.bench.baseline.TrainingSummary;
import io.recformer.core.config.Pooling;
import io.recformer.core.format.Provenance;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.Item;
import io.recformer.core.metrics.HistoryPenalty;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.text.ItemText;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.train.model.PyTorchThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One command for the quality benchmark of the baselines: imports a dataset directory, splits it
 * leave-one-out, trains/fits Popularity, SASRec, GRU4Rec, BERT4Rec and the zero-shot MiniLM text
 * baseline on the training part (every user's), evaluates them on the test users with full ranking
 * under the published protocol (original ties, history kept) and two stricter ones, slices the test
 * users into in-set and cold-start targets, and writes CSV, JSON, Markdown and a PNG chart into the
 * output directory.
 *
 * <pre>
 * java -Dai.djl.offline=true -cp ... io.recformer.bench.quality.QualityBenchmark \
 *     --data data/amazon-scientific-unisrec --out runs/quality-scientific
 * </pre>
 */
@Command(
    name = "quality-benchmark",
    mixinStandardHelpOptions = true,
    description =
        "Evaluates the baselines with the leave-one-out full-ranking protocol and writes the"
            + " results.")
public final class QualityBenchmark implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(QualityBenchmark.class);

  @Option(
      names = "--data",
      required = true,
      description = "Dataset directory in any supported format.")
  Path data;

  @Option(
      names = "--out",
      required = true,
      description = "Output directory (created; files replaced).")
  Path out;

  @Option(
      names = "--models",
      split = ",",
      defaultValue = "popularity,sasrec,text",
      description =
          "Baselines to run, any of popularity, sasrec, gru4rec, bert4rec, text (default:"
              + " popularity,sasrec,text), or none.")
  List<String> models;

  /** The {@code --models} keys, in the order the models run. */
  static final List<String> MODEL_KEYS =
      List.of("popularity", "sasrec", "gru4rec", "bert4rec", "text");

  @Option(
      names = "--recformer",
      paramLabel = "<label>=<minilm|checkpoint>[@<max tokens>]",
      description =
          "A Recformer row (repeatable, in order): the label shown in the tables and the weights,"
              + " 'minilm' for zero-shot all-MiniLM-L6-v2 or a checkpoint directory (a run's best/,"
              + " with its item matrix when it was fine-tuned on this dataset); a suffix @<n> sets"
              + " this row's max tokens (e.g. runs/ft/best@128).")
  LinkedHashMap<String, String> recformer = new LinkedHashMap<>();

  @Option(
      names = "--recformer-max-tokens",
      defaultValue = "256",
      description = "Tokens per history for the Recformer rows (0 = each model's own setting).")
  int recformerMaxTokens;

  @Option(
      names = "--recformer-pooling",
      defaultValue = "MEAN",
      description =
          "Sequence representation for the Recformer rows: MEAN, CLS, or KEEP (each model's own).")
  String recformerPooling;

  @Option(
      names = "--recformer-batch",
      defaultValue = "32",
      description = "Sequences per forward pass when encoding for the Recformer rows.")
  int recformerBatch;

  @Option(
      names = "--recformer-runtime",
      defaultValue = "DJL",
      description =
          "What encodes the histories of the Recformer rows: DJL (the model as fine-tuning"
              + " evaluates it) or ONNX (the model exported and run by ONNX Runtime, as deployed;"
              + " same scores to float rounding).")
  RecformerScorer.HistoryRuntime recformerRuntime;

  @Option(
      names = "--max-users",
      defaultValue = "0",
      description =
          "Evaluate only N users drawn with --seed (0 = all), the same users for validation and"
              + " test; every user's training part still trains. For quick runs and tests.")
  int maxUsers;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description =
          "PyTorch / ONNX Runtime intra-op threads (1: on a loaded 2-core machine more threads spin"
              + " and slow down).")
  int threads;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description =
          "Seed of the ID models' initialization, shuffling, dropout and masks, and of the"
              + " --max-users subsample.")
  long seed;

  @Option(names = "--sasrec-epochs", defaultValue = "200", description = "SASRec maximum epochs.")
  int sasrecEpochs;

  @Option(
      names = "--sasrec-patience",
      defaultValue = "10",
      description = "SASRec early-stopping patience in epochs without better validation NDCG@10.")
  int sasrecPatience;

  @Option(
      names = "--sasrec-batch",
      defaultValue = "512",
      description = "SASRec training sequences per step.")
  int sasrecBatch;

  @Option(
      names = "--sasrec-dropout",
      defaultValue = "0.5",
      description = "SASRec hidden and attention dropout.")
  float sasrecDropout;

  @Option(names = "--sasrec-lr", defaultValue = "0.001", description = "SASRec Adam learning rate.")
  float sasrecLearningRate;

  @Option(names = "--gru4rec-epochs", defaultValue = "200", description = "GRU4Rec maximum epochs.")
  int gru4recEpochs;

  @Option(
      names = "--gru4rec-patience",
      defaultValue = "10",
      description = "GRU4Rec early-stopping patience in epochs without better validation NDCG@10.")
  int gru4recPatience;

  @Option(
      names = "--gru4rec-batch",
      defaultValue = "512",
      description = "GRU4Rec training sequences per step.")
  int gru4recBatch;

  @Option(
      names = "--gru4rec-dropout",
      defaultValue = "0.3",
      description = "GRU4Rec dropout on the item embeddings.")
  float gru4recDropout;

  @Option(
      names = "--gru4rec-lr",
      defaultValue = "0.001",
      description = "GRU4Rec Adam learning rate.")
  float gru4recLearningRate;

  @Option(
      names = "--bert4rec-epochs",
      defaultValue = "200",
      description = "BERT4Rec maximum epochs.")
  int bert4recEpochs;

  @Option(
      names = "--bert4rec-patience",
      defaultValue = "10",
      description = "BERT4Rec early-stopping patience in epochs without better validation NDCG@10.")
  int bert4recPatience;

  @Option(
      names = "--bert4rec-batch",
      defaultValue = "512",
      description = "BERT4Rec training sequences per step.")
  int bert4recBatch;

  @Option(
      names = "--bert4rec-dropout",
      defaultValue = "0.2",
      description = "BERT4Rec hidden and attention dropout.")
  float bert4recDropout;

  @Option(
      names = "--bert4rec-lr",
      defaultValue = "0.001",
      description = "BERT4Rec Adam learning rate.")
  float bert4recLearningRate;

  @Option(
      names = "--text-max-tokens",
      defaultValue = "256",
      description = "MiniLM truncation length in tokens ([CLS] and [SEP] included).")
  int textMaxTokens;

  @Option(
      names = "--text-decays",
      split = ",",
      defaultValue = "1.0,0.8,0.6,0.4,0.2,0.0",
      description = "Recency decays tried on validation for the text baseline.")
  List<Double> textDecays;

  @Option(
      names = "--id-unseen-items",
      defaultValue = "floor",
      description =
          "What ID-based models (popularity, sasrec) score for items never in training: floor"
              + " (lowest score, tied; the default) or learned (the model's own untrained score, as"
              + " before 2026-11-27).")
  String idUnseenItems;

  @Option(
      names = "--history-penalties",
      split = ",",
      paramLabel = "<p,p,...>",
      description =
          "Also score every model with a history penalty (each user's own items lowered by p before"
              + " ranking; a scoring rule, history still ranked): p is chosen per model on"
              + " validation NDCG@10 among these values, in the model's own score units (cosine for"
              + " text and Recformer, logits for SASRec). Default: none.")
  List<Double> historyPenalties = List.of();

  @Option(
      names = "--published",
      defaultValue = "auto",
      description = "Published rows to add: auto, scientific-unisrec, office, none.")
  String published;

  /** What one run produced. */
  record Outcome(List<ResultRow> rows, String markdown, Map<String, String> settings) {}

  public static void main(String[] args) {
    int code = new CommandLine(new QualityBenchmark()).execute(args);
    System.exit(code);
  }

  @Override
  public Integer call() throws IOException {
    Outcome outcome = run();
    System.out.println(outcome.markdown());
    return 0;
  }

  Outcome run() throws IOException {
    System.setProperty("java.awt.headless", "true");
    if (threads < 1) {
      throw new IllegalArgumentException("--threads = " + threads + " must be >= 1");
    }
    if (!List.of("floor", "learned").contains(idUnseenItems)) {
      throw new IllegalArgumentException(
          "--id-unseen-items = '" + idUnseenItems + "' is not one of floor, learned");
    }
    if (models.equals(List.of("none"))) {
      models = List.of();
    }
    for (String m : models) {
      if (!MODEL_KEYS.contains(m)) {
        throw new IllegalArgumentException(
            "unknown model '" + m + "': expected " + String.join(", ", MODEL_KEYS) + " or none");
      }
    }
    Pooling pooling =
        switch (recformerPooling.toUpperCase(Locale.ROOT)) {
          case "KEEP" -> null;
          case "MEAN" -> Pooling.MEAN;
          case "CLS" -> Pooling.CLS;
          default ->
              throw new IllegalArgumentException(
                  "--recformer-pooling = '" + recformerPooling + "' is not one of MEAN, CLS, KEEP");
        };
    historyPenalties.forEach(HistoryPenalty::requireValid);
    if (models.isEmpty() && recformer.isEmpty()) {
      throw new IllegalArgumentException("nothing to run: --models none and no --recformer rows");
    }
    long started = System.nanoTime();
    Dataset dataset = Datasets.open(data);
    EvaluationData eval = EvaluationData.of(dataset, maxUsers, seed);
    int coldStart = 0;
    for (IndexedExample e : eval.test()) {
      coldStart += eval.inTraining(e.target()) ? 0 : 1;
    }
    LOG.info(
        "{}: {} users, {} items, {} training interactions, {} test users ({} cold-start targets)",
        eval.name(),
        eval.users(),
        eval.itemCount(),
        eval.trainInteractions(),
        eval.test().size(),
        coldStart);

    Map<String, String> settings = new LinkedHashMap<>();
    Provenance provenance = Provenance.capture(dataset.fingerprint(), seed, Map.of());
    settings.put("dataset", data.toString());
    settings.put("dataset.name", dataset.name());
    settings.put("dataset.format", dataset.provenance().getOrDefault("import.format", "unknown"));
    settings.put("dataset.fingerprint", dataset.fingerprint());
    settings.put("users", Integer.toString(eval.users()));
    settings.put(
        "evaluated users",
        maxUsers > 0
            ? String.format(
                Locale.ROOT,
                "%d drawn with seed %d (--max-users); all %d users train",
                eval.evaluatedUsers(),
                seed,
                eval.users())
            : Integer.toString(eval.evaluatedUsers()));
    settings.put("validation users", Integer.toString(eval.validation().size()));
    settings.put("items", Integer.toString(eval.itemCount()));
    settings.put("test users", Integer.toString(eval.test().size()));
    settings.put("cold-start test targets", Integer.toString(coldStart));
    settings.put("training interactions", Integer.toString(eval.trainInteractions()));
    settings.put(
        "protocol",
        "leave-one-out (last = test, second-last = validation, rest = training; test input ="
            + " training + validation item), full ranking over all items, per-user means");
    settings.put("commit", provenance.gitCommit());
    settings.put("java", provenance.javaVersion());
    settings.put("os", provenance.os() + " " + provenance.arch());
    settings.put("cpu", Machine.cpuModel());
    settings.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    settings.put("ram", Machine.totalMemory());
    settings.put("threads", Integer.toString(threads));
    settings.put("seed", Long.toString(seed));
    settings.put(
        "ID-based models, unseen items",
        idUnseenItems.equals("floor")
            ? "floor: items never in training score -infinity (tied with each other, below every"
                + " seen item)"
            : "learned: the model's own score for items never in training");

    List<ResultRow> rows = new ArrayList<>();
    List<ModelRun> runs = new ArrayList<>();
    if (models.contains("popularity")) {
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
      SequenceScorer scorer = idBased(pop, eval);
      double valid = validationNdcg10(scorer, eval);
      evaluate(scorer, eval, note, rows, settings);
      runs.add(new ModelRun("popularity", pop.name(), seconds(t), null, valid, null));
    }
    if (models.contains("sasrec")) {
      long t = System.nanoTime();
      PyTorchThreads.setIntraOpThreads(threads);
      SasRecConfig config =
          SasRecConfig.defaults()
              .with(
                  sasrecEpochs,
                  sasrecPatience,
                  sasrecBatch,
                  sasrecDropout,
                  sasrecLearningRate,
                  seed);
      try (SasRec sasrec =
          SasRec.train(config, eval.itemCount(), eval.train(), eval.validation())) {
        settings.put(
            "sasrec",
            config
                + "; full-softmax cross-entropy over all items on every training prefix;"
                + " Adam; early stopping on validation NDCG@10 (original ties, history kept)");
        runs.add(trained("sasrec", sasrec, sasrec.summary(), eval, rows, settings, t));
      }
    }
    if (models.contains("gru4rec")) {
      long t = System.nanoTime();
      PyTorchThreads.setIntraOpThreads(threads);
      Gru4RecConfig config =
          Gru4RecConfig.defaults()
              .with(
                  gru4recEpochs,
                  gru4recPatience,
                  gru4recBatch,
                  gru4recDropout,
                  gru4recLearningRate,
                  seed);
      try (TrainedBaseline gru =
          Gru4Rec.train(config, eval.itemCount(), eval.train(), eval.validation())) {
        settings.put(
            "gru4rec",
            gru.settings()
                + "; one GRU layer over item embeddings, full-softmax cross-entropy over all items"
                + " on every training prefix; Adam; early stopping on validation NDCG@10");
        runs.add(trained("gru4rec", gru, gru.summary(), eval, rows, settings, t));
      }
    }
    if (models.contains("bert4rec")) {
      long t = System.nanoTime();
      PyTorchThreads.setIntraOpThreads(threads);
      Bert4RecConfig config =
          Bert4RecConfig.defaults()
              .with(
                  bert4recEpochs,
                  bert4recPatience,
                  bert4recBatch,
                  bert4recDropout,
                  bert4recLearningRate,
                  seed);
      try (TrainedBaseline bert =
          Bert4Rec.train(config, eval.itemCount(), eval.train(), eval.validation())) {
        settings.put(
            "bert4rec",
            bert.settings()
                + "; bidirectional transformer, cloze masking, full-softmax cross-entropy over all"
                + " items at masked positions; prediction scores a [mask] appended to the history;"
                + " Adam; early stopping on validation NDCG@10");
        runs.add(trained("bert4rec", bert, bert.summary(), eval, rows, settings, t));
      }
    }
    if (models.contains("text")) {
      long started0 = System.nanoTime();
      List<String> texts = new ArrayList<>();
      for (Item item : dataset.items().items()) {
        texts.add(ItemText.flatten(item, 3));
      }
      long t = System.nanoTime();
      float[][] vectors;
      try (MiniLmSentenceEncoder encoder = MiniLmSentenceEncoder.open(textMaxTokens, threads)) {
        vectors = encoder.embed(texts, 32);
      }
      double embedSecs = (System.nanoTime() - t) / 1e9;
      TextBaseline text = new TextBaseline(vectors, 1.0, "MiniLM text, zero-shot");
      Map<Double, Double> byDecay = new LinkedHashMap<>();
      double bestDecay = Double.NaN;
      double best = Double.NEGATIVE_INFINITY;
      for (double decay : textDecays) {
        double ndcg = validationNdcg10(text.withDecay(decay), eval);
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
              textMaxTokens,
              texts.size(),
              embedSecs));
      settings.put("text.validation NDCG@10 by decay", byDecay.toString());
      evaluate(text, eval, note, rows, settings);
      runs.add(
          new ModelRun(
              "text",
              text.name(),
              seconds(started0),
              null,
              best,
              String.format(Locale.ROOT, "decay %s", bestDecay)));
    }
    if (!recformer.isEmpty()) {
      PyTorchThreads.setIntraOpThreads(threads);
      Path work = Files.createTempDirectory("recformer-quality");
      try {
        for (Map.Entry<String, String> row : recformer.entrySet()) {
          long t = System.nanoTime();
          RowSource source = RowSource.parse(row.getKey(), row.getValue(), recformerMaxTokens);
          try (RecformerScorer scorer =
              RecformerScorer.open(
                  row.getKey(),
                  source.weights(),
                  dataset,
                  source.maxTokens(),
                  pooling,
                  recformerBatch,
                  seed,
                  recformerRuntime,
                  threads,
                  work)) {
            double openSecs = (System.nanoTime() - t) / 1e9;
            settings.put(
                "recformer." + row.getKey(),
                String.format(
                    Locale.ROOT,
                    "%s; score = cosine of history and item encodings; item matrix ready in %.0f s",
                    scorer.description(),
                    openSecs));
            evaluate(scorer, eval, scorer.description(), rows, settings);
          }
        }
      } finally {
        AtomicFiles.deleteRecursively(work);
      }
    }
    PublishedResults.Table table = publishedTable(dataset);
    rows.addAll(PublishedResults.rows(table));
    settings.put("published rows", table.name());
    settings.put(
        "wall time", String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - started) / 1e9));

    String title =
        String.format(
            Locale.ROOT,
            "Quality baselines: %s (%d test users, %d items)",
            dataset.name(),
            eval.test().size(),
            eval.itemCount());
    String markdown = markdown(title, rows, settings);
    Files.createDirectories(out);
    ResultWriter.writeAll(out, title, settings, rows, runs, markdown);
    LOG.info(
        "wrote {}, {}, {}, {} to {}",
        ResultWriter.CSV,
        ResultWriter.JSON,
        ResultWriter.MARKDOWN,
        ResultWriter.CHART,
        out);
    return new Outcome(rows, markdown, settings);
  }

  /**
   * Evaluates a trained ID model on test and records its run: settings line, row note and the
   * {@link ModelRun} with the early-stopping record.
   */
  private ModelRun trained(
      String key,
      SequenceScorer model,
      TrainingSummary s,
      EvaluationData eval,
      List<ResultRow> rows,
      Map<String, String> settings,
      long started) {
    String note =
        String.format(
            Locale.ROOT,
            "best epoch %d of %d, %.0f s training, valid NDCG@10 %.4f; ID-based%s",
            s.bestEpoch(),
            s.epochsRun(),
            s.seconds(),
            s.bestValidationNdcg10(),
            idUnseenItems.equals("floor") ? ", unseen items at the floor" : "");
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
    evaluate(idBased(model, eval), eval, note, rows, settings);
    return new ModelRun(key, model.name(), seconds(started), s, s.bestValidationNdcg10(), null);
  }

  /** Validation NDCG@10 under the published protocol (original ties, history kept). */
  private static double validationNdcg10(SequenceScorer scorer, EvaluationData eval) {
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
  private SequenceScorer idBased(SequenceScorer scorer, EvaluationData eval) {
    return idUnseenItems.equals("floor") ? new UnseenItemFloor(scorer, eval::inTraining) : scorer;
  }

  private PublishedResults.Table publishedTable(Dataset dataset) {
    return switch (published) {
      case "scientific-unisrec" -> PublishedResults.Table.SCIENTIFIC_UNISREC;
      case "office" -> PublishedResults.Table.OFFICE;
      case "none" -> PublishedResults.Table.NONE;
      case "auto" -> {
        String format = dataset.provenance().getOrDefault("import.format", "");
        if (format.equals("unisrec-atomic") && dataset.itemCount() == 4385) {
          yield PublishedResults.Table.SCIENTIFIC_UNISREC;
        }
        yield dataset.name().toLowerCase(Locale.ROOT).contains("office")
            ? PublishedResults.Table.OFFICE
            : PublishedResults.Table.NONE;
      }
      default ->
          throw new IllegalArgumentException(
              "--published = '"
                  + published
                  + "' is not one of auto, scientific-unisrec, office, none");
    };
  }

  /** The weights of a {@code --recformer} row and its max tokens (0 = the model's own). */
  record RowSource(String weights, int maxTokens) {

    private static final Pattern TOKENS = Pattern.compile("(.+)@(\\d+)");

    /** {@code <weights>[@<max tokens>]}; without the suffix the row gets {@code defaultTokens}. */
    static RowSource parse(String label, String value, int defaultTokens) {
      Matcher m = TOKENS.matcher(value);
      if (!m.matches()) {
        return new RowSource(value, defaultTokens);
      }
      int tokens = Integer.parseInt(m.group(2));
      if (tokens < 2) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "--recformer '%s=%s': max tokens %d must be >= 2",
                label,
                value,
                tokens));
      }
      return new RowSource(m.group(1), tokens);
    }
  }

  private void evaluate(
      SequenceScorer scorer,
      EvaluationData eval,
      String note,
      List<ResultRow> rows,
      Map<String, String> settings) {
    List<Protocol> protocols = new ArrayList<>(Protocol.ALL);
    if (!historyPenalties.isEmpty()) {
      double chosen = chooseHistoryPenalty(scorer, eval, settings);
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
  private double chooseHistoryPenalty(
      SequenceScorer scorer, EvaluationData eval, Map<String, String> settings) {
    List<Double> candidates = historyPenalties.stream().distinct().sorted().toList();
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

  static String markdown(String title, List<ResultRow> rows, Map<String, String> settings) {
    StringBuilder md = new StringBuilder("## ").append(title).append("\n\n");
    md.append(
        "Leave-one-out, full ranking over all items, per-user means ± standard error. Metrics"
            + " follow reference section 6 (rank counted as items scoring strictly higher under"
            + " original ties).\n\n");
    for (Protocol p : Protocol.ALL) {
      List<ResultRow> part =
          rows.stream()
              .filter(
                  r ->
                      r.measured()
                          && r.protocol().equals(p.label())
                          && r.slice().equals(Slice.ALL.label()))
              .toList();
      if (!part.isEmpty()) {
        md.append("### Measured: ")
            .append(p.label())
            .append(p.equals(Protocol.PUBLISHED) ? " (the published protocol)" : "")
            .append("\n\n")
            .append(ResultWriter.table(part, false))
            .append('\n');
      }
    }
    for (String label : List.of(Protocol.PENALIZED_LABEL, Protocol.PENALIZED_EXPECTED_LABEL)) {
      List<ResultRow> part =
          rows.stream()
              .filter(
                  r ->
                      r.measured()
                          && r.protocol().equals(label)
                          && r.slice().equals(Slice.ALL.label()))
              .toList();
      if (!part.isEmpty()) {
        md.append("### Measured: ")
            .append(label)
            .append(
                " chosen per model on validation (a scoring rule:"
                    + " each user's own items lowered by p before ranking, p in the note)\n\n")
            .append(ResultWriter.table(part, false))
            .append('\n');
      }
    }
    List<ResultRow> sliced =
        rows.stream()
            .filter(r -> r.measured() && !r.protocol().equals(Protocol.EXPECTED_EXCLUDE.label()))
            .toList();
    if (sliced.stream().anyMatch(r -> !r.slice().equals(Slice.ALL.label()))) {
      md.append("### All vs in-set vs cold-start\n\n")
          .append(
              "In-set: the test target occurs in some training sequence; cold-start: it never does."
                  + " ID-based models (Popularity, SASRec) cannot rank a cold-start item: ")
          .append(
              settings.getOrDefault("ID-based models, unseen items", "").startsWith("floor")
                  ? "they give every item never seen in training the lowest score (negative"
                      + " infinity), tied with the other unseen items and below every seen item."
                      + " Under original ties the target wins those ties, so its rank is the"
                      + " number of seen items ranked (Recall@10 = 0 whenever more than 10 seen"
                      + " items are ranked); under expected ties it is that plus half of the"
                      + " other unseen items. "
                  : "here they keep their own untrained scores for such items (--id-unseen-items"
                      + " learned). ")
          .append(
              "Text-based models score cold-start items like any other. Users per row in the users"
                  + " column.\n\n");
      for (Protocol p : List.of(Protocol.PUBLISHED, Protocol.EXPECTED)) {
        md.append("**")
            .append(p.label())
            .append("**\n\n")
            .append(
                ResultWriter.table(
                    sliced.stream().filter(r -> r.protocol().equals(p.label())).toList(), true))
            .append('\n');
      }
    }
    List<ResultRow> same =
        rows.stream().filter(r -> r.source().equals(PublishedResults.SAME_SPLIT_SOURCE)).toList();
    if (!same.isEmpty()) {
      md.append("### Published on exactly this split\n\nSource: ")
          .append(PublishedResults.SAME_SPLIT_SOURCE)
          .append("; ")
          .append(PublishedResults.PUBLISHED_PROTOCOL)
          .append(".\n\n")
          .append(ResultWriter.table(same, false))
          .append('\n');
    }
    List<ResultRow> other =
        rows.stream()
            .filter(r -> !r.measured() && !r.source().equals(PublishedResults.SAME_SPLIT_SOURCE))
            .toList();
    if (!other.isEmpty()) {
      md.append("### Recformer paper (not comparable: ")
          .append(other.get(0).source())
          .append(")\n\n")
          .append(ResultWriter.table(other, false))
          .append('\n');
    }
    md.append("### Settings\n\n");
    settings.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    return md.toString();
  }
}
