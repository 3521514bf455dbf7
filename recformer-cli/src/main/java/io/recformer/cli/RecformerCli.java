package io.recformer.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code recformer} command-line tool. Exit codes: 0 success, 2 bad input
 * (usage errors, unreadable or invalid files), 1 internal error.
 */
@Command(
    name = "recformer",
    mixinStandardHelpOptions = true,
    versionProvider = RecformerCli.Version.class,
    description = "Text-based sequential recommendation (Recformer) on the JVM.",
    subcommands = {QuickstartCommand.class, DataCommand.class, PretrainCommand.class,
        FineTuneCommand.class, EvaluateCommand.class, ExportCommand.class, IndexCommand.class,
        RecommendCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class RecformerCli implements Callable<Integer> {

  /** Exit code for bad input: usage errors, unreadable or invalid files. */
  public static final int EXIT_BAD_INPUT = 2;
  /** Exit code for internal errors. */
  public static final int EXIT_INTERNAL = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
      description = "Log debug detail (set before the first logger is created).")
  boolean verbose;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the tool and returns its exit code (for tests and embedding). */
  public static int run(String... args) {
    // slf4j-simple reads its level once, when the first logger is created: set it before parsing.
    for (String arg : args) {
      if (arg.equals("-v") || arg.equals("--verbose")) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
      }
    }
    return commandLine().execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new RecformerCli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      boolean badInput = e instanceof IllegalArgumentException || e instanceof java.io.IOException
          || e instanceof java.io.UncheckedIOException;
      commandLine.getErr().println("recformer: " + (badInput ? "" : "internal error: ") + e.getMessage());
      if (!badInput) {
        e.printStackTrace(commandLine.getErr());
      }
      return badInput ? EXIT_BAD_INPUT : EXIT_INTERNAL;
    });
    cli.setExitCodeExceptionMapper(e -> EXIT_BAD_INPUT);
    return cli;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** Reports the library version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = RecformerCli.class.getPackage().getImplementationVersion();
      return new String[] {"recformer " + (version == null ? "(development build)" : version)};
    }
  }
}
