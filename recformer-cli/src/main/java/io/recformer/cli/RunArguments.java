package io.recformer.cli;

import io.recformer.train.checkpoint.ModelSource;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What a training command ({@code pretrain}, {@code finetune}) trains on and where it writes: the
 * dataset, a new run directory or one to resume, the starting weights and the tokenizer.
 */
final class RunArguments {

  @Parameters(
      index = "0",
      paramLabel = "<dataset>",
      description = "Dataset directory: a saved dataset or any importable format.")
  Path data;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "<run dir>",
      description = "New (or empty) run directory.")
  Path out;

  @Option(
      names = "--init",
      paramLabel = "<minilm|checkpoint dir>",
      description =
          "Starting weights: 'minilm' (the jar's all-MiniLM-L6-v2) or a checkpoint"
              + " directory such as a pretrain run's best/ (default: ${DEFAULT-VALUE}).")
  String init = ModelSource.MINILM;

  @Option(
      names = "--resume",
      paramLabel = "<run dir>",
      description =
          "Continue an interrupted run from its last completed epoch, with its saved"
              + " configuration (only --device may change).")
  Path resume;

  @Option(
      names = "--tokenizer",
      paramLabel = "<minilm|tokenizer.json>",
      description =
          "Tokenizer (default: ${DEFAULT-VALUE}, the jar's all-MiniLM-L6-v2 WordPiece;"
              + " pre-training needs one with a [MASK] token).")
  String tokenizer = TokenizerArguments.MINILM;

  @Option(names = "--lenient", description = "Skip and count bad lines when importing.")
  boolean lenient;

  boolean resuming() {
    return resume != null;
  }

  /** The run directory of a new run; {@code --out} is required unless resuming. */
  Path newRunDirectory(String command) throws IOException {
    if (out == null) {
      throw new IllegalArgumentException(
          "Missing --out <run dir> (or --resume <run dir> to" + " continue an interrupted run)");
    }
    RunFiles.requireNewRun(out, command);
    return out;
  }

  /**
   * A resumed run takes every setting from its saved config.json: fails when anything but {@code
   * --device} was given, and says how to train with other settings instead.
   */
  void requireOnlyDevice(
      String command, ConfigArguments settings, ModelArguments model, TrainingArguments training) {
    if (settings.any()
        || !model.layers().isEmpty()
        || training.anyButDevice()
        || !ModelSource.MINILM.equals(init)
        || (out != null && !out.equals(resume))) {
      throw new IllegalArgumentException(
          "--resume continues "
              + resume
              + " with the settings in its config.json; only --device may be given. To train with"
              + " other settings, start a new run from its best model: recformer "
              + command
              + " "
              + data
              + " --init "
              + resume
              + "/best --out <new run dir> ...");
    }
  }
}
