package io.recformer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.cli.config.ConfigLayer;
import io.recformer.cli.config.ResolvedConfig;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.ConfigJson;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.checkpoint.ModelSource;
import io.recformer.train.pretrain.PretrainOptions;
import io.recformer.train.pretrain.PretrainResult;
import io.recformer.train.pretrain.Pretrainer;
import io.recformer.train.run.RunStoppedException;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code recformer pretrain}: MLM + item-item contrastive pre-training into a run directory. */
@Command(
    name = "pretrain",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Pre-train (masked language model + item-item contrastive loss) on a dataset's"
          + " user sequences, from all-MiniLM-L6-v2 or a checkpoint, into a new run directory;"
          + " a seeded sample of users is held out for validation (in-batch next-item accuracy).",
      "Several datasets (cross-domain pre-training): name them all; item and user ids are"
          + " namespaced by directory name, held-out users are drawn from all of them.",
      "Settings: --config file, then --set key=value, then the dedicated options (keys are"
          + " PretrainOptions' fields, heldOutUsers and model settings; see docs/cli.md)."
    })
final class PretrainCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(PretrainCommand.class);

  /** Held-out users when heldOutUsers is 0: 10% of the users, at most this many. */
  static final int MAX_DEFAULT_HELD_OUT = 1000;

  @Mixin RunArguments run;
  @Mixin ConfigArguments settings;
  @Mixin ModelArguments model;
  @Mixin TrainingArguments training;

  @Parameters(
      index = "1..*",
      paramLabel = "<more datasets>",
      description =
          "More dataset directories pre-trained on together with <dataset> (cross-domain):"
              + " ids are namespaced by each directory's name, which must differ.")
  List<Path> moreData = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    ResolvedConfig resolved;
    RecformerConfig config;
    ModelSource start = null;
    List<Path> sources = new ArrayList<>();
    sources.add(run.data);
    sources.addAll(moreData);
    String data = datasetArguments(sources);
    Path resume = run.resume;
    Path runDirectory;
    List<String> header;
    if (!run.resuming()) {
      runDirectory = run.newRunDirectory("pretrain");
      start = ModelSource.of(run.init);
      List<ConfigLayer> options = new ArrayList<>(model.layers());
      options.addAll(training.layers());
      resolved = settings.resolve(Schemas.pretrain(start.config(), start.label()), options);
      config = resolved.bind(start.config());
      header =
          List.of(
              "recformer pretrain: resolved configuration (key: value  # where the value came"
                  + " from)",
              "dataset: "
                  + absolute(sources)
                  + ", init: "
                  + run.init
                  + ", tokenizer: "
                  + run.tokenizer,
              "same run again: recformer pretrain "
                  + data
                  + " --init "
                  + run.init
                  + " --config <this file> --out <new run dir>");
    } else {
      run.requireOnlyDevice("pretrain", settings, model, training);
      runDirectory = resume;
      JsonNode saved = OutputFiles.readRunConfig(resume, "pretrain");
      String origin = resume.resolve("config.json").toString();
      RecformerConfig savedModel = ConfigJson.fromJson(saved.get("model").toString(), origin);
      List<ConfigLayer> layers = new ArrayList<>();
      layers.add(ConfigLayer.of(origin, saved.get("options")));
      layers.add(
          new ConfigLayer(
              origin,
              Map.of("heldOutUsers", IntNode.valueOf(saved.path("heldOutSequences").asInt()))));
      layers.addAll(training.layers()); // --device only
      resolved = ResolvedConfig.resolve(Schemas.pretrain(savedModel, origin), layers);
      config = resolved.bind(savedModel);
      header =
          List.of(
              "recformer pretrain: resolved configuration of "
                  + resume
                  + " (written when it was resumed)");
    }
    PretrainOptions options = resolved.bind(PretrainOptions.defaults());
    ConfigArguments.log(resume == null ? "pretrain" : "pretrain --resume", resolved);
    Dataset dataset =
        sources.size() == 1
            ? DatasetArguments.open(run.data, run.lenient)
            : DatasetArguments.openCombined(sources, run.lenient);
    if (resume != null) {
      OutputFiles.requireSameDataset(resume, dataset);
    }
    List<List<UserHistory>> parts =
        holdOut(dataset, resolved.getInt("heldOutUsers"), options.seed());
    Path work = Files.createTempDirectory("recformer-pretrain");
    try (RecformerTokenizer tok = TokenizerArguments.open(run.tokenizer, config, work)) {
      Map<String, WeightTensor> weights =
          resume == null
              ? start.weights(config, options.seed())
              : Checkpoints.read(resume.resolve("last")).weights(); // replaced by last/ on resume
      Pretrainer pretrainer =
          new Pretrainer(
              options,
              config,
              weights,
              tok,
              dataset.items(),
              parts.get(0),
              parts.get(1),
              dataset.fingerprint());
      PretrainResult result;
      try {
        result =
            RunFiles.withResolvedConfig(
                runDirectory,
                resolved,
                header,
                "recformer pretrain " + data + " --resume " + runDirectory,
                stop -> {
                  pretrainer.stopOn(stop);
                  return resume == null
                      ? pretrainer.run(runDirectory)
                      : pretrainer.resume(runDirectory);
                });
      } catch (RunStoppedException stopped) {
        return stopped.exitCode();
      } finally {
        // Only once the trainer has started the run: a leftover file would make --out non-empty.
        if (sources.size() > 1 && Files.isRegularFile(runDirectory.resolve("config.json"))) {
          writeSources(runDirectory.resolve(SOURCES_FILE), sources, dataset);
        }
      }
      System.out.println(Files.readString(result.runDirectory().resolve("report.md")));
      System.out.println("Run directory: " + result.runDirectory().toAbsolutePath());
      System.out.println(
          "Next: recformer finetune <dataset> --init "
              + result.runDirectory().resolve("best")
              + " --out <run dir>");
      return 0;
    } finally {
      AtomicFiles.deleteRecursively(work);
    }
  }

  /** Where a cross-domain run records its sources (paths, namespaces, fingerprints, provenance). */
  static final String SOURCES_FILE = "sources.json";

  private static String datasetArguments(List<Path> sources) {
    StringBuilder out = new StringBuilder();
    for (Path source : sources) {
      out.append(out.length() == 0 ? "" : " ").append(source);
    }
    return out.toString();
  }

  private static String absolute(List<Path> sources) {
    List<String> out = new ArrayList<>();
    sources.forEach(p -> out.add(p.toAbsolutePath().toString()));
    return String.join(" + ", out);
  }

  /** Writes {@link #SOURCES_FILE} atomically: one entry per source, in order. */
  static void writeSources(Path file, List<Path> sources, Dataset combined) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("formatVersion", 1);
    root.put("combinedName", combined.name());
    root.put("combinedFingerprint", combined.fingerprint());
    root.put("users", combined.userCount());
    root.put("items", combined.itemCount());
    root.put("interactions", combined.interactionCount());
    ArrayNode list = root.putArray("sources");
    for (int s = 0; s < sources.size(); s++) {
      String key = "combined.source." + (s + 1) + ".";
      ObjectNode entry = list.addObject();
      entry.put("path", sources.get(s).toAbsolutePath().toString());
      ObjectNode provenance = entry.putObject("provenance");
      combined
          .provenance()
          .forEach(
              (k, v) -> {
                if (k.startsWith(key)) {
                  String field = k.substring(key.length());
                  if (field.equals("namespace")
                      || field.equals("name")
                      || field.equals("fingerprint")
                      || field.equals("counts")) {
                    entry.put(field, v);
                  } else {
                    provenance.put(field, v);
                  }
                }
              });
    }
    AtomicFiles.writeString(
        file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
  }

  /**
   * Splits the users into training and held-out sequences: {@code heldOut} users (0 = 10%, at most
   * 1000) drawn with the seed; both lists keep the dataset's order.
   */
  static List<List<UserHistory>> holdOut(Dataset dataset, int heldOut, long seed) {
    List<UserHistory> users = dataset.users();
    int count =
        heldOut > 0 ? heldOut : Math.min(MAX_DEFAULT_HELD_OUT, Math.max(2, users.size() / 10));
    if (count < 0 || count > users.size() - 2) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "heldOutUsers = %d must leave" + " at least 2 of the dataset's %d users for training",
              heldOut,
              users.size()));
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < users.size(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(seed ^ 0x4E1DL));
    boolean[] held = new boolean[users.size()];
    for (int i = 0; i < count; i++) {
      held[order.get(i)] = true;
    }
    List<UserHistory> train = new ArrayList<>();
    List<UserHistory> validation = new ArrayList<>();
    for (int i = 0; i < users.size(); i++) {
      (held[i] ? validation : train).add(users.get(i));
    }
    LOG.info(
        "pre-training on {} users, {} held out for validation", train.size(), validation.size());
    return List.of(train, validation);
  }
}
