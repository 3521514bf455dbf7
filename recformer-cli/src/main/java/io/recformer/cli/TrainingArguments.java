package io.recformer.cli;

import io.recformer.cli.config.ConfigLayer;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Dedicated options of the training commands; each sets the key named in its description. */
final class TrainingArguments {

  @Option(
      names = "--epochs",
      paramLabel = "<n>",
      description = "Epochs (per stage for finetune; key epochs).")
  Integer epochs;

  @Option(
      names = "--batch-size",
      paramLabel = "<n>",
      description = "Sequences (finetune) or pairs (pretrain) per forward pass (key batchSize).")
  Integer batchSize;

  @Option(
      names = "--learning-rate",
      paramLabel = "<rate>",
      description = "AdamW peak learning rate, e.g. 5e-5 (key learningRate).")
  Double learningRate;

  @Option(
      names = "--device",
      paramLabel = "<cpu|gpu|gpu:N[,gpu:M...]>",
      description =
          "Device: cpu, gpu or gpu:N, or several comma-separated devices for data-parallel training"
              + " (key device; docs/gpu.md).")
  String device;

  @Option(
      names = "--seed",
      paramLabel = "<n>",
      description = "Seed of sampling, shuffling, masking and dropout (key seed).")
  Long seed;

  List<ConfigLayer> layers() {
    List<ConfigLayer> out = new ArrayList<>();
    add(out, "--epochs", "epochs", epochs);
    add(out, "--batch-size", "batchSize", batchSize);
    add(out, "--learning-rate", "learningRate", learningRate);
    add(out, "--device", "device", device);
    add(out, "--seed", "seed", seed);
    return out;
  }

  /** True if an option other than --device was given (a resumed run keeps its settings). */
  boolean anyButDevice() {
    return epochs != null || batchSize != null || learningRate != null || seed != null;
  }

  private static void add(List<ConfigLayer> out, String option, String key, Object value) {
    if (value != null) {
      out.add(ConfigLayer.option(option, key, value));
    }
  }
}
