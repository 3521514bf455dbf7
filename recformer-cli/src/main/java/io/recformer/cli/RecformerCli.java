package io.recformer.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code recformer} command-line tool. Exit codes: 0 success, 2 bad input (usage
 * errors, unreadable or invalid files), 1 internal error.
 */
@Command(
    name = "recformer",
    mixinStandardHelpOptions = true,
    versionProvider = RecformerCli.Version.class,
    description = "Text-based sequential recommendation (Recformer) on the JVM.",
    subcommands = {
      QuickstartCommand.class,
      DataCommand.class,
      PretrainCommand.class,
      FineTuneCommand.class,
      EvaluateCommand.class,
      ExportCommand.class,
      IndexCommand.class,
      RecommendCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class RecformerCli implements Callable<Integer> {

  /** Exit code for bad input: usage errors, unreadable or invalid files. */
  public static final int EXIT_BAD_INPUT = 2;

  /** Exit code for internal errors. */
  public static final int EXIT_INTERNAL = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = {"-v", "--verbose"},
      scope = CommandLine.ScopeType.INHERIT,
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
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          boolean badInput =
              e instanceof IllegalArgumentException
                  || e instanceof IOException
                  || e instanceof UncheckedIOException;
          commandLine
              .getErr()
              .println("recformer: " + (badInput ? "" : "internal error: ") + describe(e));
          if (!badInput) {
            e.printStackTrace(commandLine.getErr());
          }
          return badInput ? EXIT_BAD_INPUT : EXIT_INTERNAL;
        });
    cli.setExitCodeExceptionMapper(e -> EXIT_BAD_INPUT);
    return cli;
  }

  /**
   * The message shown for a failure. File-system exceptions carry only the path as their message
   * ("runs/x"), so say what is wrong with it.
   */
  static String describe(Throwable e) {
    Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
    if (t instanceof FileSystemException f) {
      String what;
      if (f instanceof FileAlreadyExistsException) {
        // Also what creating a directory reports for a file or a dangling link in the way.
        what = "already exists (a file or a symbolic link to a missing target is in the way)";
      } else if (f instanceof NoSuchFileException) {
        what = "no such file or directory";
      } else if (f instanceof AccessDeniedException) {
        what = "permission denied";
      } else if (f instanceof NotDirectoryException) {
        what = "not a directory";
      } else if (f instanceof DirectoryNotEmptyException) {
        what = "directory not empty";
      } else {
        what = f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
      }
      String files =
          f.getOtherFile() == null ? f.getFile() : f.getFile() + " -> " + f.getOtherFile();
      return files + ": " + what;
    }
    return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
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
