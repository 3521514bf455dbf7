package io.recformer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.BundleManifest;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.model.RecformerModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The training commands on real data: the first 40 users (with at least 3 interactions) of the
 * bundled UniSRec Scientific data, and a tiny model (1 layer, d 16) with MiniLM's vocabulary so the
 * real tokenizer works; one test exports the real MiniLM weights.
 */
class TrainingCommandsTest {

  private static final Path DATA =
      Path.of(System.getProperty("recformer.repo.root", "..")).resolve("data");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path shared;
  static Path slice;
  static Path otherSlice;
  static Path tiny;

  @TempDir Path temp;

  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    PrintStream originalOut = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      CommandLine cli = RecformerCli.commandLine();
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      code = cli.execute(args);
    } finally {
      System.setOut(originalOut);
    }
    return new Run(code, captured.toString(StandardCharsets.UTF_8) + out, err.toString());
  }

  /** A tiny MiniLM-vocabulary config: 1 layer, d 16, 2 heads, 64 tokens, window 16. */
  static RecformerConfig tinyConfig() {
    return RecformerConfig.miniLmL6().toBuilder()
        .hiddenSize(16)
        .numLayers(1)
        .numHeads(2)
        .intermediateSize(32)
        .maxTokens(64)
        .maxItems(8)
        .maxItemPositions(9)
        .attentionWindow(16)
        .maxAttributeTokens(16)
        .pooling(Pooling.CLS)
        .build();
  }

  @BeforeAll
  static void setUp() throws Exception {
    Dataset all = Datasets.importAuto(DATA.resolve("amazon-scientific-unisrec")).dataset();
    slice = shared.resolve("slice");
    slice(all, 0, 40).write(slice);
    otherSlice = shared.resolve("other-slice");
    slice(all, 40, 80).write(otherSlice);
    tiny = shared.resolve("tiny");
    try (NDManager m = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(m, tinyConfig(), 5)) {
      Checkpoints.save(tiny, model, Checkpoints.manifest(model, "random", 5, Map.of()));
    }
  }

  /** Users [from, to) among those with >= 3 items, catalog cut to their items. */
  private static Dataset slice(Dataset all, int from, int to) {
    List<UserHistory> chosen = new ArrayList<>();
    Set<String> used = new LinkedHashSet<>();
    int seen = 0;
    for (UserHistory u : all.users()) {
      if (u.size() >= 3) {
        if (seen >= from && seen < to) {
          chosen.add(u);
          used.addAll(u.itemIds());
        }
        seen++;
      }
    }
    List<Item> items = new ArrayList<>();
    used.forEach(id -> items.add(all.items().get(id)));
    return Dataset.of("scientific-" + from + "-" + to, ItemCatalog.of(items), chosen);
  }

  private static JsonNode json(Path file) throws Exception {
    return JSON.readTree(Files.readString(file));
  }

  @Test
  void everyCommandHasHelp() {
    Run top = run("--help");
    assertThat(top.out()).contains("pretrain", "finetune", "evaluate", "export");
    assertThat(run("finetune", "--help").out())
        .contains(
            "--config",
            "--set",
            "--init",
            "--resume",
            "--max-tokens",
            "--epochs",
            "--batch-size",
            "--device",
            "--seed",
            "--pooling");
    assertThat(run("pretrain", "--help").out()).contains("--config", "--init", "--resume");
    assertThat(run("evaluate", "--help").out())
        .contains("--checkpoint", "--split", "--users", "--out", "--history-policy");
    assertThat(run("export", "--help").out()).contains("--checkpoint", "--bundle", "--archive");
  }

  @Test
  void finetuneTakesFileThenSetThenOptionsAndEvaluateReproducesItsFinalTest() throws Exception {
    Path config = temp.resolve("ft.yaml");
    Files.writeString(
        config,
        """
        epochs: 5
        batchSize: 4
        gradientAccumulation: 2
        learningRate: 1e-3
        warmupSteps: 0
        evalEvery: 1
        patienceStage1: 1
        patienceStage2: 1
        samplesPerEpoch: 16
        evalBatchSize: 16
        pooling: MEAN
        """);
    Path out = temp.resolve("ft");
    Run r =
        run(
            "finetune",
            slice.toString(),
            "--init",
            tiny.toString(),
            "--config",
            config.toString(),
            "--set",
            "epochs=2",
            "--set",
            "batchSize=8",
            "--epochs",
            "1",
            "--seed",
            "7",
            "--out",
            out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    for (String f :
        new String[] {
          "config.json",
          "provenance.json",
          "report.json",
          "report.md",
          "resolved-config.yaml",
          "best/model.safetensors",
          "best/item-matrix.safetensors",
          "last/model.safetensors",
          "metrics-steps.csv",
          "metrics-eval.csv",
          "loss.png"
        }) {
      assertThat(out.resolve(f)).as(f).isRegularFile();
    }
    // The trainer's config.json holds the CLI's resolved values: option > --set > file > init.
    JsonNode options = json(out.resolve("config.json")).get("options");
    assertThat(options.get("epochs").asInt()).isEqualTo(1);
    assertThat(options.get("batchSize").asInt()).isEqualTo(8);
    assertThat(options.get("gradientAccumulation").asInt()).isEqualTo(2);
    assertThat(options.get("learningRate").asDouble()).isCloseTo(1e-3, within(1e-15));
    assertThat(options.get("seed").asLong()).isEqualTo(7);
    assertThat(options.get("maxTokens").asInt()).isEqualTo(64); // from the checkpoint
    assertThat(options.get("pooling").asText()).isEqualTo("MEAN");
    assertThat(json(out.resolve("config.json")).get("model").get("pooling").asText())
        .isEqualTo("MEAN");
    String resolved = Files.readString(out.resolve("resolved-config.yaml"));
    assertThat(resolved)
        .containsPattern("epochs: 1 +# --epochs 1")
        .containsPattern("batchSize: 8 +# --set")
        .containsPattern("gradientAccumulation: 2 +# " + Pattern.quote(config.toString()))
        .containsPattern("maxTokens: 64 +# checkpoint " + Pattern.quote(tiny.toString()))
        .containsPattern("clipNorm: 0.0 +# default");
    assertThat(r.out()).contains("# Fine-tuning report", "Next: recformer evaluate");

    // Oracle: evaluating best/ with the run's settings gives the run's own final test metrics
    // (a run directory as --checkpoint means its best/).
    Path evalOut = temp.resolve("eval");
    Run e =
        run(
            "evaluate",
            slice.toString(),
            "--checkpoint",
            out.toString(),
            "--config",
            out.resolve("resolved-config.yaml").toString(),
            "--out",
            evalOut.toString());
    assertThat(e.exitCode()).as(e.err()).isZero();
    JsonNode report = json(out.resolve("report.json"));
    JsonNode evaluation = json(evalOut.resolve("evaluation-test.json"));
    for (String metric : new String[] {"NDCG@10", "Recall@10", "NDCG@50", "Recall@50", "MRR"}) {
      assertThat(evaluation.get("model").get("metrics").get(metric).asDouble())
          .as(metric)
          .isCloseTo(report.get("finalTest").get("metrics").get(metric).asDouble(), within(1e-6));
      assertThat(evaluation.get("popularity").get("metrics").get(metric).asDouble())
          .as(metric)
          .isCloseTo(
              report.get("popularityTest").get("metrics").get(metric).asDouble(), within(1e-12));
    }
    assertThat(evaluation.get("model").get("users").asInt()).isEqualTo(40);
    // Same matrix, same seed: the same cosine spread as the run's report.
    for (String field :
        new String[] {"meanCosine", "rowSpread", "nearestCosine", "logitSpreadAtTemperature"}) {
      assertThat(evaluation.get("itemMatrixSpread").get(field).asDouble())
          .as(field)
          .isCloseTo(report.get("itemMatrixSpread").get(field).asDouble(), within(1e-12));
    }
    assertThat(e.out()).contains("Item vectors: cosine between items: mean");
    assertThat(Files.readString(evalOut.resolve("evaluation-test.md")))
        .contains("| model | NDCG@10 | Recall@10 | NDCG@50 | Recall@50 | MRR |", "| popularity |");
    assertThat(e.out()).contains("40 users");

    // Resuming a finished run only re-runs the final evaluation, with the saved settings.
    Run resumed = run("finetune", slice.toString(), "--resume", out.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(json(out.resolve("report.json")).get("finalTest"))
        .isEqualTo(report.get("finalTest"));

    Run changed = run("finetune", slice.toString(), "--resume", out.toString(), "--epochs", "3");
    assertThat(changed.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(changed.err()).contains("only --device may be given", "--init " + out + "/best");
    Run wrongData = run("finetune", otherSlice.toString(), "--resume", out.toString());
    assertThat(wrongData.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(wrongData.err()).contains("is not the dataset run " + out + " was trained on");
    Run again =
        run("finetune", slice.toString(), "--init", tiny.toString(), "--out", out.toString());
    assertThat(again.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(again.err()).contains("is not empty", "--resume " + out);
    Path dangling = temp.resolve("run-link");
    Files.createSymbolicLink(dangling, temp.resolve("no-such-run"));
    Run link =
        run("finetune", slice.toString(), "--init", tiny.toString(), "--out", dangling.toString());
    assertThat(link.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(link.err())
        .contains(
            "--out "
                + dangling
                + " is a symbolic link to "
                + temp.resolve("no-such-run")
                + ", which does not exist");
  }

  @Test
  void aKilledFinetuneResumesAndEndsWhereAnUninterruptedRunEnds() throws Exception {
    List<String> settings =
        List.of(
            "--init",
            tiny.toString(),
            "--set",
            "variant=STAGE1_ONLY",
            "--set",
            "epochs=2",
            "--set",
            "evalEvery=1",
            "--set",
            "patienceStage1=5",
            "--set",
            "samplesPerEpoch=16",
            "--set",
            "warmupSteps=0",
            "--set",
            "gradientAccumulation=1",
            "--set",
            "evalBatchSize=64",
            "--batch-size",
            "8",
            "--learning-rate",
            "1e-3");
    Path full = temp.resolve("full");
    Run uninterrupted = run(args("finetune", slice.toString(), settings, "--out", full.toString()));
    assertThat(uninterrupted.exitCode()).as(uninterrupted.err()).isZero();

    // The same run in another JVM, sent SIGTERM (what a scheduler sends; Ctrl-C is SIGINT) as soon
    // as it has started training: it finishes the step it is in, saves a checkpoint inside the
    // epoch and exits with 143, without the libtorch crash that exiting under a backward pass gave.
    Path killed = temp.resolve("killed");
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss4m",
                "-Dai.djl.offline=true",
                // A crash would leave its log here, where the test looks for it.
                "-XX:ErrorFile=" + temp.resolve("hs_err_%p.log"),
                "-cp",
                System.getProperty("java.class.path"),
                RecformerCli.class.getName()));
    command.addAll(
        List.of(args("finetune", slice.toString(), settings, "--out", killed.toString())));
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(temp.resolve("child.out").toFile())
            .redirectError(temp.resolve("child.err").toFile())
            .start();
    long deadline = System.nanoTime() + 180_000_000_000L;
    // config.json is written once the run has started, after the signal handler was installed.
    while (!Files.exists(killed.resolve("config.json"))
        && process.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(process.isAlive()).as(() -> readQuietly(temp.resolve("child.err"))).isTrue();
    process.destroy(); // SIGTERM
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String childLog = readQuietly(temp.resolve("child.err"));
    assertThat(process.exitValue()).as(childLog).isEqualTo(143);
    try (Stream<Path> files = Files.list(temp)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("hs_err"));
    }
    assertThat(killed.resolve("report.json")).as("stopped before the end").doesNotExist();
    JsonNode state = json(killed.resolve("state.json"));
    // 2 epochs of 2 steps: the stop comes after step 1 (inside epoch 1) unless the signal arrived
    // late, after the zero-shot pass and step 1, when it comes at the end of epoch 1.
    assertThat(state.get("globalStep").asLong()).as(childLog).isBetween(1L, 2L);
    assertThat(state.get("batchesDoneInEpoch").asInt() > 0 || state.get("epoch").asInt() == 1)
        .isTrue();
    assertThat(childLog)
        .contains("stopped by SIGTERM after optimizer step")
        .contains("continue the run with: recformer finetune " + slice + " --resume " + killed);
    assertThat(Files.readString(killed.resolve("resolved-config.yaml")))
        .containsPattern("variant: STAGE1_ONLY +# --set");

    Run resumed = run("finetune", slice.toString(), "--resume", killed.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    for (String csv : new String[] {"metrics-steps.csv", "metrics-eval.csv"}) {
      assertThat(Files.readString(killed.resolve(csv)))
          .as(csv)
          .isEqualTo(Files.readString(full.resolve(csv)));
    }
    assertThat(json(killed.resolve("report.json")).get("finalTest"))
        .isEqualTo(json(full.resolve("report.json")).get("finalTest"));
  }

  private static String[] args(String command, String data, List<String> settings, String... more) {
    List<String> all = new ArrayList<>(List.of(command, data));
    all.addAll(settings);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void evaluatePopularityRowMatchesAHandComputedOracleAndSubsamplesValidation() throws Exception {
    Path out = temp.resolve("eval");
    Run r =
        run("evaluate", slice.toString(), "--checkpoint", tiny.toString(), "--out", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    // Popularity under ORIGINAL ties and KEEP history: rank = items with a higher training count.
    LeaveOneOutSplit split = LeaveOneOutSplit.of(Dataset.read(slice));
    Map<String, Integer> counts = new HashMap<>();
    split.train().forEach(h -> h.itemIds().forEach(id -> counts.merge(id, 1, Integer::sum)));
    double recall10 = 0;
    double mrr = 0;
    for (Example e : split.test()) {
      int target = counts.getOrDefault(e.targetItemId(), 0);
      long rank =
          split.dataset().items().items().stream()
              .filter(item -> counts.getOrDefault(item.id(), 0) > target)
              .count();
      recall10 += rank < 10 ? 1 : 0;
      mrr += 1.0 / (rank + 1);
    }
    JsonNode popularity = json(out.resolve("evaluation-test.json")).get("popularity");
    assertThat(popularity.get("users").asInt()).isEqualTo(split.test().size());
    assertThat(popularity.get("metrics").get("Recall@10").asDouble())
        .isCloseTo(recall10 / split.test().size(), within(1e-12));
    assertThat(popularity.get("metrics").get("MRR").asDouble())
        .isCloseTo(mrr / split.test().size(), within(1e-12));

    Run v =
        run(
            "evaluate",
            slice.toString(),
            "--checkpoint",
            tiny.toString(),
            "--split",
            "validation",
            "--users",
            "10",
            "--history-policy",
            "EXCLUDE",
            "--out",
            out.toString());
    assertThat(v.exitCode()).as(v.err()).isZero();
    JsonNode validation = json(out.resolve("evaluation-validation.json"));
    assertThat(validation.get("split").asText()).isEqualTo("validation");
    assertThat(validation.get("model").get("users").asInt()).isEqualTo(10);
    assertThat(validation.get("model").get("historyPolicy").asText()).isEqualTo("EXCLUDE");
    assertThat(validation.get("settings").get("users").asInt()).isEqualTo(10);
    assertThat(v.out()).contains("validation split, 10 users (seeded subsample, seed 42)");
  }

  /**
   * A history-penalty sweep comes from one pass: penalty 0 repeats the plain row, and a penalty
   * larger than any cosine gap (10) ranks every history item last, which equals history exclusion
   * for every user whose target is not in the history (the slice has none).
   */
  @Test
  void historyPenaltySweepMatchesThePlainAndTheHistoryExcludedRankings() throws Exception {
    LeaveOneOutSplit split = LeaveOneOutSplit.of(Dataset.read(slice));
    assertThat(split.test()).noneMatch(e -> e.history().itemIds().contains(e.targetItemId()));
    Path out = temp.resolve("sweep");
    Run r =
        run(
            "evaluate",
            slice.toString(),
            "--checkpoint",
            tiny.toString(),
            "--history-penalty-sweep",
            "0,10",
            "--out",
            out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("| model, history penalty 10.0 |");
    JsonNode plain = json(out.resolve("evaluation-test.json"));
    assertThat(plain.get("historyPenalty").asDouble()).isZero();
    JsonNode sweep = plain.get("historyPenaltySweep");
    assertThat(sweep).hasSize(2);
    assertThat(sweep.get(0).get("model").get("metrics"))
        .isEqualTo(plain.get("model").get("metrics"));

    Path excluded = temp.resolve("excluded");
    Run e =
        run(
            "evaluate",
            slice.toString(),
            "--checkpoint",
            tiny.toString(),
            "--history-policy",
            "EXCLUDE",
            "--out",
            excluded.toString());
    assertThat(e.exitCode()).as(e.err()).isZero();
    JsonNode exclusion = json(excluded.resolve("evaluation-test.json")).get("model").get("metrics");
    exclusion
        .fieldNames()
        .forEachRemaining(
            metric ->
                assertThat(sweep.get(1).get("model").get("metrics").get(metric).asDouble())
                    .as(metric)
                    .isCloseTo(exclusion.get(metric).asDouble(), within(1e-9)));
    assertThat(sweep.get(1).get("model").get("metrics").get("MRR").asDouble())
        .isGreaterThan(plain.get("model").get("metrics").get("MRR").asDouble());

    Run penalised =
        run(
            "evaluate",
            slice.toString(),
            "--checkpoint",
            tiny.toString(),
            "--history-penalty",
            "10",
            "--out",
            temp.resolve("penalised").toString());
    assertThat(penalised.exitCode()).as(penalised.err()).isZero();
    assertThat(
            json(temp.resolve("penalised").resolve("evaluation-test.json"))
                .get("model")
                .get("metrics"))
        .isEqualTo(sweep.get(1).get("model").get("metrics"));

    Run bad =
        run(
            "evaluate",
            slice.toString(),
            "--checkpoint",
            tiny.toString(),
            "--history-penalty-sweep",
            "0.1,-1");
    assertThat(bad.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(bad.err()).contains("historyPenalty = -1.0 must be a finite number >= 0");
  }

  @Test
  void badSettingsExitWithTwoAndNameFileKeyAndAllowedValues() throws Exception {
    Path config = temp.resolve("bad.yaml");
    Files.writeString(config, "epochs: 1\npoolng: MEAN\n");
    Path out = temp.resolve("never");
    Run r =
        run(
            "finetune",
            slice.toString(),
            "--init",
            tiny.toString(),
            "--config",
            config.toString(),
            "--out",
            out.toString());
    assertThat(r.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(r.err())
        .contains(
            config + ": unknown key 'poolng' for recformer finetune;" + " did you mean 'pooling'?");
    assertThat(out).doesNotExist();

    Run value =
        run(
            "finetune",
            slice.toString(),
            "--init",
            tiny.toString(),
            "--set",
            "variant=BOTH",
            "--out",
            out.toString());
    assertThat(value.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(value.err())
        .contains(
            "--set: key 'variant' = 'BOTH' is not allowed; expected one"
                + " of BOTH_STAGES, FIXED_MATRIX, TRAINABLE_MATRIX, STAGE1_ONLY, STAGE2_ONLY");

    Run range =
        run(
            "pretrain",
            slice.toString(),
            "--init",
            tiny.toString(),
            "--batch-size",
            "1",
            "--out",
            out.toString());
    assertThat(range.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(range.err()).contains("batchSize = 1 must be >= 2", "batchSize from --batch-size 1");

    Run device =
        run("evaluate", slice.toString(), "--checkpoint", tiny.toString(), "--device", "tpu");
    assertThat(device.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(device.err()).contains("device = 'tpu' must be cpu, gpu or gpu:N");

    // A GPU on this CPU-only libtorch is a setting to change, not an internal error.
    Run gpu = run("evaluate", slice.toString(), "--checkpoint", tiny.toString(), "--device", "gpu");
    assertThat(gpu.exitCode()).as(gpu.err()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(gpu.err())
        .doesNotContain("internal error")
        .contains("sees 0 GPU(s)", "PYTORCH_LIBRARY_PATH", "docs/gpu.md");

    Run init =
        run("finetune", slice.toString(), "--init", temp.toString(), "--out", out.toString());
    assertThat(init.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(init.err())
        .contains("has no manifest.json; give 'minilm' or a checkpoint directory");
    assertThat(out).doesNotExist();
  }

  @Test
  void pretrainHoldsOutUsersAndWritesARun() throws Exception {
    Path config = temp.resolve("pt.json");
    Files.writeString(
        config,
        "{\"epochs\": 1, \"batchSize\": 8, \"gradientAccumulation\": 1,"
            + " \"learningRate\": 0.001, \"heldOutUsers\": 8}");
    Path out = temp.resolve("pt");
    Run r =
        run(
            "pretrain",
            slice.toString(),
            "--init",
            tiny.toString(),
            "--config",
            config.toString(),
            "--out",
            out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode saved = json(out.resolve("config.json"));
    assertThat(saved.get("heldOutSequences").asInt()).isEqualTo(8);
    assertThat(saved.get("trainSequences").asInt()).isEqualTo(32);
    assertThat(saved.get("options").get("batchSize").asInt()).isEqualTo(8);
    assertThat(out.resolve("best/model.safetensors")).isRegularFile();
    // 32 pairs in batches of 8, one step each.
    assertThat(json(out.resolve("report.json")).get("steps").asInt()).isEqualTo(4);
    assertThat(Files.readString(out.resolve("resolved-config.yaml")))
        .containsPattern("heldOutUsers: 8 +# " + Pattern.quote(config.toString()));
    assertThat(r.out()).contains("# Pre-training report", "Next: recformer finetune");
  }

  @Test
  void exportWritesABundleAndAnArchiveWithProvenance() throws Exception {
    Path bundle = temp.resolve("bundle");
    Path archive = temp.resolve("model.zip");
    Run r =
        run(
            "export",
            "--checkpoint",
            tiny.toString(),
            "--bundle",
            bundle.toString(),
            "--archive",
            archive.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    BundleManifest m = BundleManifest.read(bundle);
    assertThat(m.outputDimension()).isEqualTo(16);
    assertThat(m.config()).isEqualTo(tinyConfig());
    assertThat(m.provenance().datasetFingerprint()).isEqualTo("random");
    assertThat(m.provenance().extras())
        .containsEntry("task", "export")
        .containsEntry("source", tiny.toAbsolutePath().toString())
        .containsKey("checkpointSha256");
    assertThat(bundle.resolve("model.onnx")).isRegularFile();
    assertThat(bundle.resolve("tokenizer.json")).isRegularFile();
    assertThat(archive).isRegularFile();
    assertThat(Files.size(archive)).isGreaterThan(Files.size(bundle.resolve("model.onnx")));

    Run none = run("export", "--checkpoint", tiny.toString());
    assertThat(none.exitCode()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(none.err()).contains("give --bundle <dir> and/or --archive <file>");
  }

  @Test
  void exportsTheRealMiniLmWithModelSettingsFromAFinetuneConfig() throws Exception {
    Path config = temp.resolve("ft.yaml");
    Files.writeString(config, "maxTokens: 64\npooling: MEAN\nepochs: 8\nstage1Minutes: 45\n");
    Path bundle = temp.resolve("minilm");
    Run r =
        run(
            "export",
            "--checkpoint",
            "minilm",
            "--config",
            config.toString(),
            "--bundle",
            bundle.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    BundleManifest m = BundleManifest.read(bundle);
    assertThat(m.outputDimension()).isEqualTo(384);
    assertThat(m.config().maxTokens()).isEqualTo(64);
    assertThat(m.config().pooling()).isEqualTo(Pooling.MEAN);
    assertThat(m.config().numLayers()).isEqualTo(6);
    assertThat(m.provenance().datasetFingerprint()).isEqualTo("minilm");
  }
}
