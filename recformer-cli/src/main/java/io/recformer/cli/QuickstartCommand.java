package io.recformer.cli;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.Provenance;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.core.metrics.MetricReport;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.data.stats.DatasetStatistics;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.recommend.Recommendation;
import io.recformer.infer.recommend.Recommender;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.export.OnnxExporter;
import io.recformer.train.finetune.FineTuneOptions;
import io.recformer.train.finetune.FineTuneResult;
import io.recformer.train.finetune.FineTuner;
import io.recformer.train.finetune.Variant;
import io.recformer.train.weights.MiniLmImporter;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's main job on the bundled real data, end to end: import, MiniLM initialization,
 * zero-shot evaluation, a short fine-tuning run (Algorithm 1 under a wall-clock budget), ONNX
 * export of the best model, an item index built through recformer-infer, and recommendations for
 * three real test users served from the exported bundle. Everything lands in the output directory
 * with a report.md that repeats the printed tables.
 *
 * <p>Over 400 lines because it is the README's whole main job, step after step as the user sees
 * them printed, each a few calls into the library.
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole pipeline on the bundled Amazon Scientific data under a small time budget:"
          + " import, zero-shot evaluation, fine-tuning, ONNX export, item index, recommendations.",
      "Budgets: default (about 11 minutes on 2 cores) or tiny (about a minute, a slice of the"
          + " users; for tests). Explicit options override single fields of the budget."
    })
final class QuickstartCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(QuickstartCommand.class);
  private static final int SHOWN_USERS = 3;
  private static final int TOP_K = 10;
  private static final int HISTORY_SHOWN = 5;

  @Option(
      names = "--data",
      description =
          "Dataset directory (default: the bundled"
              + " data/amazon-scientific-unisrec of the repository).")
  Path data;

  @Option(
      names = {"-o", "--out"},
      description =
          "Output directory; its run/, bundle/ and index are"
              + " replaced (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("runs", "quickstart");

  @Option(names = "--budget", description = "default or tiny (default: ${DEFAULT-VALUE}).")
  String budgetName = "default";

  @Option(
      names = "--minutes",
      description = "Training minutes, both stages together (overrides the budget).")
  Double minutes;

  @Option(
      names = "--test-users",
      description =
          "Test users evaluated, a seeded subsample; 0 = all" + " (overrides the budget).")
  Integer testUsers;

  @Option(
      names = "--max-tokens",
      description = "Tokens per sequence, [CLS] included (overrides the budget).")
  Integer maxTokens;

  @Option(
      names = "--samples-per-epoch",
      description = "Training samples per epoch (overrides the budget).")
  Integer samplesPerEpoch;

  @Option(
      names = "--users",
      description =
          "Keep only the first N users and their items; 0 = all" + " (overrides the budget).")
  Integer users;

  @Option(
      names = "--seed",
      description = "Seed of initialization, sampling, subsamples (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(
      names = "--threads",
      description =
          "ONNX Runtime threads for the index and the recommendations"
              + " (default: all processors).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    QuickstartBudget budget = resolveBudget();
    if (data == null) {
      // The launcher passes the repository root, so the quickstart works from any directory.
      data =
          Path.of(System.getProperty("recformer.home", "."))
              .resolve("data")
              .resolve("amazon-scientific-unisrec");
    }
    Files.createDirectories(out);
    Path runDir = out.resolve("run");
    Path bundle = out.resolve("bundle");
    Path indexFile = out.resolve("items.rfidx");
    Path datasetDir = out.resolve("dataset");
    StringBuilder report = new StringBuilder("# Quickstart\n\n");

    System.out.println("[1/6] Importing " + data);
    Dataset dataset = DatasetArguments.open(data, false);
    if (budget.users() > 0 && budget.users() < dataset.userCount()) {
      dataset = slice(dataset, budget.users());
    }
    dataset.write(datasetDir);
    DatasetStatistics stats = DatasetStatistics.of(dataset);
    System.out.println(stats.toMarkdown());
    report
        .append("Data: `")
        .append(data)
        .append("`")
        .append(
            budget.users() > 0
                ? String.format(
                    Locale.ROOT, " (first %,d users and their items)", dataset.userCount())
                : "")
        .append("\n\n")
        .append(stats.toMarkdown())
        .append('\n');

    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder().maxTokens(budget.maxTokens()).build();
    LeaveOneOutSplit split = LeaveOneOutSplit.of(dataset);
    Path tokenizerJson = out.resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(tokenizerJson);

    System.out.println("[2/6] Initializing from all-MiniLM-L6-v2 (weights from the Maven jar)");
    Map<String, WeightTensor> initial = MiniLmImporter.importFromClasspath(config, seed);

    FineTuneOptions options =
        FineTuneOptions.builder()
            .seed(seed)
            .maxTokens(budget.maxTokens())
            .epochs(budget.epochs())
            .batchSize(16)
            .gradientAccumulation(2)
            .warmupSteps(4)
            .evalEvery(1)
            .samplesPerEpoch(budget.samplesPerEpoch())
            .validationUsers(budget.validationUsers())
            .testUsers(budget.testUsers())
            // Without stage 1 the run trains the encoder and the item matrix together, the matrix
            // as a parameter starting from the zero-shot encoding: chosen on 1,000 validation users
            // over stage 2 of Algorithm 1 at two rates and matrix rates 1e-3 and 1e-4
            // (docs/cli.md).
            .variant(budget.bothStages() ? Variant.BOTH_STAGES : Variant.TRAINABLE_MATRIX)
            .matrixLearningRate(budget.bothStages() ? 0 : 1e-4)
            .stage1Minutes(budget.stage1Minutes())
            .stage2Minutes(budget.bothStages() ? budget.stage2Minutes() : 0)
            .build();
    int testTotal = split.test().size();
    int testEvaluated =
        budget.testUsers() == 0 ? testTotal : Math.min(budget.testUsers(), testTotal);
    System.out.printf(
        Locale.ROOT,
        "[3/6] Zero-shot evaluation, then fine-tuning (%s) on %,d of %,d test users%n",
        schedule(budget),
        testEvaluated,
        testTotal);
    deleteIfPresent(runDir);
    long trainStart = System.nanoTime();
    FineTuneResult result;
    RecformerConfig runConfig;
    try (RecformerTokenizer tokenizer = RecformerTokenizer.open(tokenizerJson, config)) {
      FineTuner tuner = new FineTuner(options, config, initial, tokenizer, split);
      runConfig = tuner.config();
      result = tuner.run(runDir);
    }
    double trainSeconds = (System.nanoTime() - trainStart) / 1e9;

    System.out.println(
        "[4/6] Exporting the best model (" + result.bestStage() + ") to an ONNX bundle");
    Checkpoints.Loaded best = Checkpoints.read(runDir.resolve("best"));
    Map<String, String> extras = new LinkedHashMap<>();
    extras.put("task", "quickstart");
    extras.put("bestStage", result.bestStage());
    OnnxExporter.writeBundle(
        runConfig,
        best.weights(),
        tokenizerJson,
        Provenance.capture(dataset.fingerprint(), seed, extras),
        bundle);

    System.out.println(
        "[5/6] Building the item index with recformer-infer from the evaluated item matrix");
    String examples;
    double indexSeconds;
    try (RecformerEncoder encoder =
        RecformerEncoder.open(bundle, EncoderOptions.defaults().withIntraOpThreads(threads))) {
      long indexStart = System.nanoTime();
      // The matrix the final test was scored against, not a fresh encoding (StoredItemMatrix).
      StoredItemMatrix.writeIndex(
          runDir.resolve("item-matrix.safetensors"), dataset, encoder, indexFile);
      try (Recommender recommender = Recommender.open(encoder, dataset.items(), indexFile)) {
        indexSeconds = (System.nanoTime() - indexStart) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "indexed %,d items in %.1f s -> %s%n",
            recommender.size(),
            indexSeconds,
            indexFile);

        System.out.println(
            "[6/6] Recommendations for " + SHOWN_USERS + " test users from the exported bundle");
        examples = examples(recommender, split.test(), dataset.items());
      }
    }

    String budgetTable =
        budgetTable(budget, result, trainSeconds, testEvaluated, testTotal, runConfig);
    String metrics = metricTable(result);
    double totalMinutes = (System.nanoTime() - start) / 60e9;
    String files =
        String.format(
            Locale.ROOT,
            "| file | what |%n|---|---|%n| `%s` | run directory: config, logs, checkpoints (best/,"
                + " last/), charts |%n| `%s` | ONNX bundle of the best model (model.onnx,"
                + " tokenizer.json, manifest.json) |%n| `%s` | item index of the %,d catalog items"
                + " |%n| `%s` | the dataset as imported |%n",
            runDir,
            bundle,
            indexFile,
            dataset.itemCount(),
            datasetDir);
    String printed =
        "## Budget\n\n"
            + budgetTable
            + "\n## Test metrics\n\n"
            + metrics
            + "\n## Recommendations (top "
            + TOP_K
            + " from the exported bundle, history excluded)\n\n"
            + examples
            + "\n## Files\n\n"
            + files
            + String.format(
                Locale.ROOT,
                "%nTotal time %.1f min (training %.1f min, index %.1f s).%n",
                totalMinutes,
                trainSeconds / 60,
                indexSeconds);
    System.out.println();
    System.out.print(printed);
    report.append(printed);
    Path reportFile = out.resolve("report.md");
    AtomicFiles.writeString(reportFile, report.toString());
    System.out.println("Report written to " + reportFile.toAbsolutePath());
    System.out.println(
        "Next: recformer recommend --bundle "
            + bundle
            + " --index "
            + indexFile
            + " --data "
            + datasetDir
            + " --user <user id>");
    return 0;
  }

  private static String schedule(QuickstartBudget b) {
    return b.bothStages()
        ? String.format(
            Locale.ROOT,
            "Algorithm 1, stage 1 %.2f min + stage 2 %.2f min",
            b.stage1Minutes(),
            b.stage2Minutes())
        : String.format(
            Locale.ROOT,
            "%.2f min of the encoder and the item matrix trained together (the matrix as a"
                + " parameter, started from the zero-shot encoding)",
            b.stage1Minutes());
  }

  private QuickstartBudget resolveBudget() {
    QuickstartBudget b = QuickstartBudget.named(budgetName);
    if (minutes != null) {
      if (!(minutes > 0)) {
        throw new IllegalArgumentException("--minutes = " + minutes + " must be > 0");
      }
      b = b.withTrainingMinutes(minutes);
    }
    if (testUsers != null) {
      b = b.withTestUsers(testUsers);
    }
    if (maxTokens != null) {
      b = b.withMaxTokens(maxTokens);
    }
    if (samplesPerEpoch != null) {
      b = b.withSamplesPerEpoch(samplesPerEpoch);
    }
    if (users != null) {
      b = b.withUsers(users);
    }
    return b;
  }

  /** The first {@code n} users and only the items they touch, so the catalog shrinks with them. */
  static Dataset slice(Dataset dataset, int n) {
    List<UserHistory> kept = dataset.users().subList(0, n);
    Set<String> ids = new LinkedHashSet<>();
    kept.forEach(u -> ids.addAll(u.itemIds()));
    List<Item> items = new ArrayList<>();
    for (Item item : dataset.items().items()) {
      if (ids.contains(item.id())) {
        items.add(item);
      }
    }
    return dataset.derive(
        ItemCatalog.of(items), List.copyOf(kept), "quickstart: first " + n + " users");
  }

  private static String budgetTable(
      QuickstartBudget b,
      FineTuneResult r,
      double trainSeconds,
      int testEvaluated,
      int testTotal,
      RecformerConfig config) {
    return String.format(
        Locale.ROOT,
        "| | |%n|---|---|%n| budget | %s |%n| max tokens per sequence | %d |%n"
            + "| training samples per epoch | %,d (batch 16 x 2 accumulated) |%n"
            + "| schedule (training budget) | %s |%n"
            + "| training wall time (with evaluations) | %.1f min |%n| optimizer steps | %,d |%n"
            + "| best model | %s |%n| validation users (model selection) | %s |%n"
            + "| test users | %,d of %,d%s |%n| pooling | %s |%n",
        b.name(),
        config.maxTokens(),
        b.samplesPerEpoch(),
        schedule(b),
        trainSeconds / 60,
        r.steps(),
        r.bestStage(),
        b.validationUsers() == 0
            ? "all"
            : String.format(Locale.ROOT, "%,d (seeded subsample)", b.validationUsers()),
        testEvaluated,
        testTotal,
        testEvaluated < testTotal ? " (seeded subsample)" : "",
        config.pooling().name().toLowerCase(Locale.ROOT));
  }

  private static String metricTable(FineTuneResult r) {
    MetricReport zero = r.zeroShotTest();
    return zero.markdownHeader("model")
        + zero.markdownRow("zero-shot (MiniLM init)")
        + r.finalTest().markdownRow("fine-tuned (best " + r.bestStage() + ")")
        + r.popularityTest().markdownRow("popularity")
        + "\n- zero-shot: the starting model (all-MiniLM-L6-v2's weights in Recformer's encoder),"
        + " before any training on this data.\n"
        + "- fine-tuned: that model after the short training run, at the epoch that scored best on"
        + " the validation users; test is scored once, on the same test users.\n"
        + "- popularity: every user gets the items seen most often in the training histories, the"
        + " same for all, a reference without personalization.\n"
        + "- Each value is the mean over the test users, ± its standard error.\n";
  }

  /** Three seeded test users: their latest history titles, the held-out item and the top 10. */
  private String examples(Recommender recommender, List<Example> test, ItemCatalog catalog) {
    List<Example> shuffled = new ArrayList<>(test);
    Collections.shuffle(shuffled, new Random(seed ^ 0xE4A3L));
    StringBuilder out = new StringBuilder();
    for (Example example : shuffled.subList(0, Math.min(SHOWN_USERS, shuffled.size()))) {
      List<String> history = example.history().itemIds();
      List<Recommendation> top = recommender.recommend(history, TOP_K);
      out.append(
          String.format(
              Locale.ROOT,
              "### User %s (%d items in history)%n%n",
              example.userId(),
              history.size()));
      out.append("Latest history, newest first:\n\n");
      for (int i = history.size() - 1; i >= Math.max(0, history.size() - HISTORY_SHOWN); i--) {
        out.append("- ").append(title(catalog.get(history.get(i)))).append('\n');
      }
      out.append("\nHeld-out next item: ")
          .append(title(catalog.get(example.targetItemId())))
          .append("\n\n");
      out.append("| # | item | score | title |\n|---:|---|---:|---|\n");
      for (Recommendation rec : top) {
        out.append(
            String.format(
                Locale.ROOT,
                "| %d | %s%s | %.3f | %s |%n",
                rec.rank() + 1,
                rec.itemId(),
                rec.itemId().equals(example.targetItemId()) ? " (held out)" : "",
                rec.score(),
                title(rec.item())));
      }
      out.append('\n');
    }
    return out.toString();
  }

  static String title(Item item) {
    String t = item.title().isBlank() ? "(no title)" : item.title();
    t = t.replace('|', '/').replace('\n', ' ');
    return t.length() > 90 ? t.substring(0, 87) + "..." : t;
  }

  private static void deleteIfPresent(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    LOG.info("replacing the previous quickstart run in {}", dir);
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
