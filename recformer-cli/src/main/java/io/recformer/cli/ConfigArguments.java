package io.recformer.cli;

import io.recformer.cli.config.ConfigLayer;
import io.recformer.cli.config.ConfigSchema;
import io.recformer.cli.config.ResolvedConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --config <file>} and {@code --set key=value}, shared by the commands that take a
 * configuration. Precedence, lowest first: defaults, the file, {@code --set}, dedicated options
 * such as {@code --epochs}.
 */
final class ConfigArguments {

  @Option(names = "--config", paramLabel = "<file>",
      description = "YAML (.yaml/.yml) or JSON (.json) file of key: value settings (see docs/cli.md).")
  Path file;

  @Option(names = "--set", paramLabel = "key=value",
      description = "Sets one key, overriding the --config file; repeatable (e.g. --set warmupSteps=50).")
  List<String> assignments = new ArrayList<>();

  /** Resolves the schema with the file, {@code --set} and then {@code options} (in order). */
  ResolvedConfig resolve(ConfigSchema schema, List<ConfigLayer> options) throws IOException {
    List<ConfigLayer> layers = new ArrayList<>();
    if (file != null) {
      layers.add(ConfigLayer.file(file));
    }
    if (!assignments.isEmpty()) {
      layers.add(ConfigLayer.assignments("--set", assignments));
    }
    layers.addAll(options);
    return ResolvedConfig.resolve(schema, layers);
  }

  /** True if any setting was given (used to refuse changes when resuming). */
  boolean any() {
    return file != null || !assignments.isEmpty();
  }
}
