package io.recformer.cli;

import io.recformer.cli.config.ConfigLayer;
import io.recformer.cli.config.ConfigSchema;
import io.recformer.cli.config.ResolvedConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code --config <file>} and {@code --set key=value}, shared by the commands that take a
 * configuration. Precedence, lowest first: defaults, the file, {@code --set}, dedicated options
 * such as {@code --epochs}.
 */
final class ConfigArguments {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigArguments.class);

  @Option(
      names = "--config",
      paramLabel = "<file>",
      description =
          "YAML (.yaml/.yml) or JSON (.json) file of key: value settings (see docs/cli.md).")
  Path file;

  @Option(
      names = "--set",
      paramLabel = "key=value",
      description =
          "Sets one key, overriding the --config file; repeatable (e.g. --set warmupSteps=50).")
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

  /** Logs the resolved configuration (one line per key with its origin) at INFO. */
  static void log(String command, ResolvedConfig resolved) {
    LOG.info("recformer {} configuration:{}", command, resolved.describe());
    if (!resolved.ignored().isEmpty()) {
      LOG.info("ignored keys of other commands: {}", String.join(", ", resolved.ignored()));
    }
  }

  /** True if any setting was given (used to refuse changes when resuming). */
  boolean any() {
    return file != null || !assignments.isEmpty();
  }
}
