package io.recformer.bench.quality;

import io.recformer.core.config.Pooling;
import io.recformer.core.metrics.HistoryPenalty;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * <p>This class holds the options and the run's order; {@link ModelRunner} runs each model, {@link
 * QualityMarkdown} and {@link ResultWriter} write the results.
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

  /**
   * The {@code protocol} of results.json rows scored under the published protocol (original ties,
   * history kept), the one the paper grid reads; other rows use stricter protocols.
   */
  public static final String PUBLISHED_PROTOCOL = Protocol.PUBLISHED.label();

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
    Pooling pooling = validate();
    long started = System.nanoTime();
    Dataset dataset = Datasets.open(data);
    EvaluationData eval = EvaluationData.of(dataset, maxUsers, seed);
    Map<String, String> settings = RunSettings.describe(this, dataset, eval);

    ModelRunner runner = new ModelRunner(this, dataset, eval, settings);
    if (models.contains("popularity")) {
      runner.popularity();
    }
    if (models.contains("sasrec")) {
      runner.sasrec();
    }
    if (models.contains("gru4rec")) {
      runner.gru4rec();
    }
    if (models.contains("bert4rec")) {
      runner.bert4rec();
    }
    if (models.contains("text")) {
      runner.text();
    }
    if (!recformer.isEmpty()) {
      runner.recformer(pooling);
    }
    List<ResultRow> rows = runner.rows();
    PublishedResults.Table table = PublishedResults.Table.select(published, dataset);
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
    ResultWriter.writeAll(out, title, settings, rows, runner.runs(), markdown);
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
   * Checks the options that picocli cannot ({@code --models none} becomes no models) and returns
   * the Recformer rows' pooling, null to keep each model's own.
   */
  private Pooling validate() {
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
    return pooling;
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

  /** The Markdown report of a run (see {@link QualityMarkdown}). */
  static String markdown(String title, List<ResultRow> rows, Map<String, String> settings) {
    return QualityMarkdown.markdown(title, rows, settings);
  }
}
