package io.recformer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.recformer.cli.config.ConfigLayer;
import io.recformer.cli.config.ResolvedConfig;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.ConfigJson;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.checkpoint.ModelSource;
import io.recformer.train.finetune.FineTuneOptions;
import io.recformer.train.finetune.FineTuneResult;
import io.recformer.train.finetune.FineTuner;
import io.recformer.train.run.RunStoppedException;
import io.recformer.train.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code recformer finetune}: two-stage fine-tuning (Algorithm 1) into a run directory. */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Fine-tune on a dataset's leave-one-out split (two-stage Algorithm 1 by default),"
          + " from all-MiniLM-L6-v2 or a checkpoint, into a new run directory: zero-shot and final"
          + " test metrics, best/ and last/ checkpoints, CSV logs, charts, report.md.",
      "Settings: --config file, then --set key=value, then the dedicated options (keys are"
          + " FineTuneOptions' fields plus model settings; see docs/cli.md)."
    })
final class FineTuneCommand implements Callable<Integer> {

  @Mixin RunArguments run;
  @Mixin ConfigArguments settings;
  @Mixin ModelArguments model;
  @Mixin TrainingArguments training;

  @Override
  public Integer call() throws Exception {
    return run.resuming() ? resumeRun() : newRun();
  }

  private int newRun() throws Exception {
    Path out = run.newRunDirectory("finetune");
    Path data = run.data;
    ModelSource start = ModelSource.of(run.init);
    List<ConfigLayer> options = new ArrayList<>(model.layers());
    options.addAll(training.layers());
    ResolvedConfig resolved =
        settings.resolve(Schemas.finetune(start.config(), start.label()), options);
    FineTuneOptions fineTune = resolved.bind(FineTuneOptions.defaults());
    RecformerConfig config = resolved.bind(start.config());
    ConfigArguments.log("finetune", resolved);
    LeaveOneOutSplit split = LeaveOneOutSplit.of(DatasetArguments.open(data, run.lenient));
    List<String> header =
        List.of(
            "recformer finetune: resolved configuration (key: value  # where the value came from)",
            "dataset: "
                + data.toAbsolutePath()
                + " (fingerprint "
                + split.dataset().fingerprint()
                + ")",
            "init: " + run.init + ", tokenizer: " + run.tokenizer,
            "same run again: recformer finetune "
                + data
                + " --init "
                + run.init
                + " --config <this file> --out <new run dir>");
    Path work = Files.createTempDirectory("recformer-finetune");
    try (RecformerTokenizer tok = TokenizerArguments.open(run.tokenizer, config, work)) {
      Map<String, WeightTensor> weights = start.weights(config, fineTune.seed());
      FineTuner tuner = new FineTuner(fineTune, config, weights, tok, split);
      try {
        printDone(
            RunFiles.withResolvedConfig(
                out,
                resolved,
                header,
                "recformer finetune " + data + " --resume " + out,
                stop -> {
                  tuner.stopOn(stop);
                  return tuner.run(out);
                }));
      } catch (RunStoppedException stopped) {
        return stopped.exitCode();
      }
      return 0;
    } finally {
      AtomicFiles.deleteRecursively(work);
    }
  }

  private int resumeRun() throws Exception {
    run.requireOnlyDevice("finetune", settings, model, training);
    Path resume = run.resume;
    Path data = run.data;
    JsonNode saved = OutputFiles.readRunConfig(resume, "finetune");
    RecformerConfig savedModel =
        ConfigJson.fromJson(
            saved.get("model").toString(), resume.resolve("config.json").toString());
    String origin = resume.resolve("config.json").toString();
    List<ConfigLayer> layers = new ArrayList<>();
    layers.add(ConfigLayer.of(origin, saved.get("options")));
    layers.addAll(training.layers()); // --device only
    ResolvedConfig resolved = ResolvedConfig.resolve(Schemas.finetune(savedModel, origin), layers);
    FineTuneOptions fineTune = resolved.bind(FineTuneOptions.defaults());
    RecformerConfig config = resolved.bind(savedModel);
    ConfigArguments.log("finetune --resume", resolved);
    Dataset dataset = DatasetArguments.open(data, run.lenient);
    OutputFiles.requireSameDataset(resume, dataset);
    Path work = Files.createTempDirectory("recformer-finetune");
    try (RecformerTokenizer tok = TokenizerArguments.open(run.tokenizer, config, work)) {
      // Replaced by last/ when the run continues; only the shapes matter here.
      Map<String, WeightTensor> weights = Checkpoints.read(resume.resolve("last")).weights();
      FineTuner tuner = new FineTuner(fineTune, config, weights, tok, LeaveOneOutSplit.of(dataset));
      List<String> header =
          List.of(
              "recformer finetune: resolved configuration of "
                  + resume
                  + " (written when it was resumed)");
      try {
        printDone(
            RunFiles.withResolvedConfig(
                resume,
                resolved,
                header,
                "recformer finetune " + data + " --resume " + resume,
                stop -> {
                  tuner.stopOn(stop);
                  return tuner.resume(resume);
                }));
      } catch (RunStoppedException stopped) {
        return stopped.exitCode();
      }
      return 0;
    } finally {
      AtomicFiles.deleteRecursively(work);
    }
  }

  private void printDone(FineTuneResult result) throws Exception {
    Path dir = result.runDirectory();
    System.out.println(Files.readString(dir.resolve("report.md")));
    System.out.println("Run directory: " + dir.toAbsolutePath());
    System.out.println(
        "Next: recformer evaluate "
            + run.data
            + " --checkpoint "
            + dir.resolve("best")
            + "   |   recformer export --checkpoint "
            + dir.resolve("best")
            + " --bundle "
            + dir.resolve("bundle"));
  }
}
