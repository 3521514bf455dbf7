package io.recformer.cli;

import io.recformer.cli.config.ResolvedConfig;
import io.recformer.train.run.RunStoppedException;
import io.recformer.train.run.StopSignal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the training commands add to a trainer's run directory. The trainers insist on a new or
 * empty directory and write {@code config.json} first, so the command's resolved configuration
 * ({@code resolved-config.yaml}, readable again with {@code --config}) is written once the run has
 * started: when it ends, fails, or the JVM is stopped (Ctrl-C).
 */
final class RunFiles {

  static final String RESOLVED_CONFIG = "resolved-config.yaml";
  private static final Logger LOG = LoggerFactory.getLogger(RunFiles.class);

  private RunFiles() {}

  /** Work that may throw an IOException. */
  interface Body<T> {
    /**
     * Runs the trainer, which stops at a step boundary (with a checkpoint) once {@code stop} asks.
     */
    T run(StopSignal stop) throws IOException;
  }

  /** Fails early, before any model is loaded, when {@code run} holds files already. */
  static void requireNewRun(Path run, String command) throws IOException {
    if (Files.isDirectory(run)) {
      try (Stream<Path> files = Files.list(run)) {
        if (files.findAny().isPresent()) {
          throw new IllegalArgumentException(
              "run directory "
                  + run
                  + " is not empty; choose a"
                  + " new --out directory, or continue an interrupted run with recformer "
                  + command
                  + " --resume "
                  + run);
        }
      }
    } else if (Files.exists(run)) {
      throw new IllegalArgumentException("--out " + run + " exists and is not a directory");
    } else if (Files.isSymbolicLink(run)) {
      throw new IllegalArgumentException(
          "--out "
              + run
              + " is a symbolic link to "
              + Files.readSymbolicLink(run)
              + ", which does not exist; create that directory first");
    }
  }

  /**
   * Runs {@code body}; afterwards, also on failure or shutdown, writes the resolved configuration
   * into {@code run} if the trainer started a run there and none was written yet. If the run fails
   * after an epoch was saved, the log says how to resume it ({@code resumeCommand}).
   */
  static <T> T withResolvedConfig(
      Path run, ResolvedConfig config, List<String> header, String resumeCommand, Body<T> body)
      throws IOException {
    Thread hook =
        new Thread(
            () -> {
              save(run, config, header);
              if (Files.isRegularFile(run.resolve("state.json"))
                  && !Files.isRegularFile(run.resolve("report.json"))) {
                LOG.warn("stopped before the end; continue the run with: {}", resumeCommand);
              }
            },
            "save-resolved-config");
    Runtime.getRuntime().addShutdownHook(hook);
    // Ctrl-C and SIGTERM become a stop request: exiting under a running backward pass crashed the
    // JVM inside libtorch, and a checkpoint taken at the step boundary loses nothing.
    try (StopSignal stop = StopSignal.install()) {
      return body.run(stop);
    } catch (RunStoppedException e) {
      LOG.warn("{}; continue the run with: {}", e.getMessage(), resumeCommand);
      throw e;
    } catch (IOException | RuntimeException e) {
      if (Files.isRegularFile(run.resolve("state.json"))) {
        LOG.error(
            "the run stopped after its last completed epoch ({}); fix the cause and continue"
                + " it with: {}",
            e.toString(),
            resumeCommand);
      }
      throw e;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs (or ran) anyway
      }
      save(run, config, header);
    }
  }

  private static synchronized void save(Path run, ResolvedConfig config, List<String> header) {
    Path file = run.resolve(RESOLVED_CONFIG);
    if (!Files.isRegularFile(run.resolve("config.json")) || Files.exists(file)) {
      return;
    }
    try {
      config.writeYaml(file, header);
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not write {}: {}", file, e.toString());
    }
  }
}
