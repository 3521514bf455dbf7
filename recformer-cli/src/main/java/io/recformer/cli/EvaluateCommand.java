package io.recformer.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.cli.config.ConfigLayer;
import io.recformer.cli.config.ResolvedConfig;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.metrics.CosineSpread;
import io.recformer.core.metrics.HistoryPenalty;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.metrics.TiePolicy;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.checkpoint.ModelSource;
import io.recformer.train.eval.Encoder;
import io.recformer.train.eval.ItemMatrixSpread;
import io.recformer.train.eval.RankingEvaluator;
import io.recformer.train.finetune.FineTuner;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.run.Devices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code recformer evaluate}: full-ranking metrics of a checkpoint next to popularity. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Evaluate a checkpoint on a dataset's leave-one-out test (or validation) split:"
          + " every history ranked against every item by cosine, NDCG@10, Recall@10, NDCG@50,"
          + " Recall@50 and MRR next to the popularity baseline under the same protocol.",
      "A --config file written for finetune may be passed: keys evaluate does not use are"
          + " ignored."
    })
final class EvaluateCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(EvaluateCommand.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Which examples of the leave-one-out split to evaluate. */
  enum Split {
    TEST,
    VALIDATION
  }

  @Parameters(
      index = "0",
      paramLabel = "<dataset>",
      description = "Dataset directory: a saved dataset or any importable format.")
  Path data;

  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "<dir|minilm>",
      description =
          "Checkpoint directory (a run's best/, or the run directory itself), or"
              + " 'minilm' for the zero-shot all-MiniLM-L6-v2 encoder.")
  String checkpoint;

  @Option(
      names = "--split",
      paramLabel = "<test|validation>",
      description = "Examples to rank (default: ${DEFAULT-VALUE}).")
  String split = "test";

  @Option(
      names = "--users",
      paramLabel = "<n>",
      description =
          "Evaluate a seeded subsample of n users (key users; 0 = all, the protocol). With the same"
              + " seed it is the subsample finetune's testUsers/validationUsers draws.")
  Integer users;

  @Option(
      names = "--tie-policy",
      paramLabel = "<ORIGINAL|...>",
      description = "Ties in ranking (key tiePolicy; default ORIGINAL).")
  TiePolicy tiePolicy;

  @Option(
      names = "--history-policy",
      paramLabel = "<KEEP|EXCLUDE>",
      description = "Whether history items are ranked (key historyPolicy; default KEEP).")
  HistoryPolicy historyPolicy;

  @Option(
      names = "--history-penalty",
      paramLabel = "<cosine>",
      description =
          "Lower every history item's score by this much before ranking (key historyPenalty;"
              + " default 0 = the paper). A scoring rule of the model, not a protocol: history"
              + " items still compete, a repeated target pays it too.")
  Double historyPenalty;

  @Option(
      names = "--history-penalty-sweep",
      paramLabel = "<p,p,...>",
      split = ",",
      description =
          "Also report these history penalties, from the same encoding pass (choose one"
              + " on the validation split, then test with --history-penalty).")
  List<Double> historyPenaltySweep = List.of();

  @Option(
      names = "--seed",
      paramLabel = "<n>",
      description = "Seed of the --users subsample (key seed; default 42).")
  Long seed;

  @Option(
      names = "--device",
      paramLabel = "<cpu|gpu|gpu:N>",
      description = "Device: cpu, gpu or gpu:N (key device).")
  String device;

  @Option(
      names = "--reencode-items",
      description =
          "Encode the item matrix with the model even"
              + " when the checkpoint carries one (item-matrix.safetensors).")
  boolean reencodeItems;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "<dir>",
      description = "Directory to write evaluation-<split>.json and .md into (atomically).")
  Path out;

  @Option(
      names = "--tokenizer",
      paramLabel = "<minilm|tokenizer.json>",
      description = "Tokenizer the model was trained with (default: ${DEFAULT-VALUE}).")
  String tokenizer = TokenizerArguments.MINILM;

  @Option(names = "--lenient", description = "Skip and count bad lines when importing.")
  boolean lenient;

  @Mixin ConfigArguments settings;
  @Mixin ModelArguments model;

  @Override
  public Integer call() throws Exception {
    Split which = parseSplit(split);
    ModelSource start = ModelSource.of(checkpoint);
    List<ConfigLayer> options = new ArrayList<>(model.layers());
    add(options, "--users", "users", users);
    add(options, "--tie-policy", "tiePolicy", tiePolicy);
    add(options, "--history-policy", "historyPolicy", historyPolicy);
    add(options, "--history-penalty", "historyPenalty", historyPenalty);
    add(options, "--seed", "seed", seed);
    add(options, "--device", "device", device);
    ResolvedConfig resolved =
        settings.resolve(Schemas.evaluate(start.config(), start.label()), options);
    RecformerConfig config = resolved.bind(start.config());
    Devices.validateName(resolved.getString("device"));
    ConfigArguments.log("evaluate", resolved);

    Dataset dataset = DatasetArguments.open(data, lenient);
    LeaveOneOutSplit loo = LeaveOneOutSplit.of(dataset);
    long s = resolved.getLong("seed");
    List<Example> examples =
        which == Split.TEST
            ? FineTuner.testSubsample(loo.test(), resolved.getInt("users"), s)
            : FineTuner.validationSubsample(loo.validation(), resolved.getInt("users"), s);
    if (examples.isEmpty()) {
      throw new IllegalArgumentException(
          "dataset "
              + dataset.name()
              + " has no "
              + split
              + " examples (users need at least 3 interactions)");
    }
    RankingEvaluator evaluator =
        new RankingEvaluator(
            (TiePolicy) resolved.get("tiePolicy"),
            (HistoryPolicy) resolved.get("historyPolicy"),
            256);
    double penalty = HistoryPenalty.requireValid(resolved.getDouble("historyPenalty"));
    double[] penalties = new double[1 + historyPenaltySweep.size()];
    penalties[0] = penalty;
    for (int i = 0; i < historyPenaltySweep.size(); i++) {
      penalties[i + 1] = HistoryPenalty.requireValid(historyPenaltySweep.get(i));
    }
    MetricReport modelReport;
    List<MetricReport> sweep;
    MetricReport popularity;
    CosineSpread spread;
    Path work = Files.createTempDirectory("recformer-evaluate");
    try (RecformerTokenizer tok = TokenizerArguments.open(tokenizer, config, work);
        NDManager manager = NDManager.newBaseManager(Devices.select(resolved.getString("device")));
        RecformerModel m = RecformerModel.newInstance(manager, config, s)) {
      Checkpoints.loadInto(m, start.weights(config, s));
      ItemTokenCache cache = new ItemTokenCache(tok, dataset.items()).tokenizeAll();
      Encoder encoder = new Encoder(m, cache, tok.padId(), resolved.getInt("evalBatchSize"));
      NDArray matrix =
          start.itemMatrix(
              config, dataset.fingerprint(), dataset.itemCount(), encoder, manager, reencodeItems);
      LOG.info("ranking {} {} users against {} items", examples.size(), split, dataset.itemCount());
      List<MetricReport> reports = evaluator.evaluateSweep(encoder, examples, matrix, penalties);
      modelReport = reports.get(0);
      sweep = reports.subList(1, reports.size());
      spread = ItemMatrixSpread.of(matrix, s);
      popularity = evaluator.popularity(cache.catalog(), loo.train(), examples);
    } finally {
      AtomicFiles.deleteRecursively(work);
    }

    String title =
        String.format(
            Locale.ROOT,
            "Evaluation of %s on %s, %s split, %d users%s",
            start.checkpoint() == null ? "all-MiniLM-L6-v2 (zero-shot)" : start.checkpoint(),
            dataset.name(),
            which.name().toLowerCase(Locale.ROOT),
            examples.size(),
            resolved.getInt("users") > 0 ? " (seeded subsample, seed " + s + ")" : "");
    String markdown =
        "# "
            + title
            + "\n\n"
            + modelReport.markdownHeader("model")
            + popularity.markdownRow("popularity")
            + modelReport.markdownRow(penaltyLabel(penalty))
            + sweepRows(penalties, sweep)
            + String.format(
                Locale.ROOT,
                "%nFull ranking over %d items, per-user means ± standard"
                    + " error; max tokens %d, %s pooling.%n",
                dataset.itemCount(),
                config.maxTokens(),
                config.pooling())
            + String.format(
                Locale.ROOT,
                "%nItem vectors: %s; at training temperature %s one"
                    + " query's logits spread by %.2f (sd).%n",
                spread,
                config.temperature(),
                spread.logitSpread(config.temperature()));
    System.out.println(markdown);
    if (out != null) {
      ObjectNode json = JSON.createObjectNode();
      json.put(
          "checkpoint",
          start.checkpoint() == null
              ? ModelSource.MINILM
              : start.checkpoint().toAbsolutePath().toString());
      json.put("dataset", dataset.name());
      json.put("datasetFingerprint", dataset.fingerprint());
      json.put("split", which.name().toLowerCase(Locale.ROOT));
      json.put("items", dataset.itemCount());
      json.set("settings", resolved.toJson());
      json.set("model", JSON.readTree(modelReport.toJson()));
      json.put("historyPenalty", penalty);
      json.set("popularity", JSON.readTree(popularity.toJson()));
      if (!sweep.isEmpty()) {
        ArrayNode rows = json.putArray("historyPenaltySweep");
        for (int i = 0; i < sweep.size(); i++) {
          ObjectNode row = rows.addObject();
          row.put("historyPenalty", penalties[i + 1]);
          row.set("model", JSON.readTree(sweep.get(i).toJson()));
        }
      }
      json.set("itemMatrixSpread", spread.toJson(config.temperature()));
      String name = "evaluation-" + which.name().toLowerCase(Locale.ROOT);
      Files.createDirectories(out);
      AtomicFiles.writeString(out.resolve(name + ".json"), JSON.writeValueAsString(json) + "\n");
      AtomicFiles.writeString(out.resolve(name + ".md"), markdown);
      System.out.println(
          "Written: " + out.resolve(name + ".json") + ", " + out.resolve(name + ".md"));
    }
    return 0;
  }

  private static String penaltyLabel(double penalty) {
    return penalty == 0
        ? "model"
        : String.format(Locale.ROOT, "model, history penalty %s", penalty);
  }

  private static String sweepRows(double[] penalties, List<MetricReport> sweep) {
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < sweep.size(); i++) {
      rows.append(
          sweep
              .get(i)
              .markdownRow(
                  String.format(Locale.ROOT, "model, history penalty %s", penalties[i + 1])));
    }
    return rows.toString();
  }

  private static Split parseSplit(String text) {
    for (Split s : Split.values()) {
      if (s.name().equalsIgnoreCase(text)) {
        return s;
      }
    }
    throw new IllegalArgumentException("--split '" + text + "' must be test or validation");
  }

  private static void add(List<ConfigLayer> layers, String option, String key, Object value) {
    if (value != null) {
      layers.add(ConfigLayer.option(option, key, value));
    }
  }
}
