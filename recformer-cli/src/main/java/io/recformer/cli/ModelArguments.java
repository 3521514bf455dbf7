package io.recformer.cli;

import io.recformer.cli.config.ConfigLayer;
import io.recformer.core.config.Pooling;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Dedicated options for the model settings most often changed: sequence length and pooling. */
final class ModelArguments {

  @Option(
      names = "--max-tokens",
      paramLabel = "<n>",
      description = "Tokens per sequence including [CLS] (key maxTokens; default: the model's).")
  Integer maxTokens;

  @Option(
      names = "--pooling",
      paramLabel = "<CLS|MEAN>",
      description = "Sequence representation (key pooling; default: the model's).")
  Pooling pooling;

  List<ConfigLayer> layers() {
    List<ConfigLayer> out = new ArrayList<>();
    if (maxTokens != null) {
      out.add(ConfigLayer.option("--max-tokens", "maxTokens", maxTokens));
    }
    if (pooling != null) {
      out.add(ConfigLayer.option("--pooling", "pooling", pooling));
    }
    return out;
  }
}
