package io.recformer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.recformer.core.format.ArtifactFormatException;
import io.recformer.core.text.TokenizerFormatException;
import io.recformer.data.source.DataFormatException;
import io.recformer.infer.index.IndexFileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code recformer} command-line tool. Exit codes: 0 success, 2 bad input (usage
 * errors, invalid arguments or settings, files that are not in the expected format), 1 any other
 * failure: I/O that is not the input's fault (disk full, permission denied, a missing file) and
 * internal errors. A failure ends with one line on standard error; only a bug (an unexpected
 * runtime exception) adds its stack trace, which {@code -v} adds for every failure.
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
      ServeCommand.class,
      BenchCommand.class,
      SparkCommand.class,
      CommandLine.HelpCommand.class
    })
public final class RecformerCli implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(RecformerCli.class);

  /** Exit code for bad input: usage errors, invalid arguments or settings, malformed files. */
  public static final int EXIT_BAD_INPUT = 2;

  /** Exit code for I/O failures that are not bad input, and for internal errors. */
  public static final int EXIT_INTERNAL = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = {"-v", "--verbose"},
      scope = CommandLine.ScopeType.INHERIT,
      description = "Log debug detail (set before the first logger is created).")
  boolean verbose;

  public static void main(String[] args) {
    int code;
    try {
      code = run(args);
    } catch (Throwable e) { // the last line of defence: no stack trace dump, no hanging threads
      System.err.println("recformer: " + describeError(e));
      code = EXIT_INTERNAL;
    }
    System.exit(code);
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
    cli.setExecutionStrategy(RecformerCli::execute);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          boolean badInput = isBadInput(e);
          boolean bug = !badInput && !(unwrap(e) instanceof IOException);
          String message = badInput || bug ? describe(e) : oneLine(describe(e));
          commandLine.getErr().println("recformer: " + (bug ? "internal error: " : "") + message);
          if (bug) {
            e.printStackTrace(commandLine.getErr());
          } else {
            LOG.debug("failure detail", e);
          }
          return badInput ? EXIT_BAD_INPUT : EXIT_INTERNAL;
        });
    cli.setExitCodeExceptionMapper(e -> EXIT_BAD_INPUT);
    return cli;
  }

  /**
   * Runs the parsed command. Picocli passes exceptions to the handler above but lets an {@link
   * Error} escape, which would dump a stack trace and could leave the JVM hanging on worker
   * threads; here it ends the command with one line and exit code 1.
   */
  private static int execute(CommandLine.ParseResult parseResult) {
    try {
      return new CommandLine.RunLast().execute(parseResult);
    } catch (Error e) {
      parseResult.commandSpec().commandLine().getErr().println("recformer: " + describeError(e));
      LOG.debug("failure detail", e);
      return EXIT_INTERNAL;
    }
  }

  /** The one line shown for an {@link Error}. */
  static String describeError(Throwable e) {
    if (e instanceof OutOfMemoryError) {
      return String.format(
          Locale.ROOT,
          "out of memory (%s) with a maximum heap of %d MB; give the JVM more with"
              + " RECFORMER_JAVA_OPTS=-Xmx<size>, or make the input smaller",
          e.getMessage(),
          Runtime.getRuntime().maxMemory() >> 20);
    }
    if (e instanceof StackOverflowError) {
      return "internal error: stack overflow (StackOverflowError); run with -v for the stack"
          + " trace and report it";
    }
    return (e instanceof Error ? "internal error: " : "")
        + e.getClass().getName()
        + (e.getMessage() == null ? "" : ": " + oneLine(e.getMessage()));
  }

  /**
   * True for failures that are the input's fault: invalid arguments or settings and files that are
   * not in the expected format. Other I/O failures (disk full, permission denied, a missing file)
   * are not.
   */
  static boolean isBadInput(Throwable e) {
    Throwable t = unwrap(e);
    return t instanceof IllegalArgumentException
        || t instanceof DataFormatException
        || t instanceof ArtifactFormatException
        || t instanceof TokenizerFormatException
        || t instanceof IndexFileException
        || t instanceof JsonProcessingException
        || t instanceof CharacterCodingException;
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
  }

  /**
   * The message shown for a failure. File-system exceptions carry only the path as their message
   * ("runs/x"), so say what is wrong with it.
   */
  static String describe(Throwable e) {
    Throwable t = unwrap(e);
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

  private static String oneLine(String message) {
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
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
