package io.recformer.bench.jmh;

import io.recformer.bench.quality.Machine;
import io.recformer.core.format.Provenance;
import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the JMH benchmarks of this package and writes, into {@code --out} (default {@code
 * runs/jmh}), JMH's JSON ({@code jmh.json}) and a Markdown table ({@code jmh.md}) headed by the
 * machine, JVM and commit. Every other argument is a JMH option (benchmark regex, {@code -p},
 * {@code -f}, {@code -wi}, {@code -i}, ...), as for {@code org.openjdk.jmh.Main}.
 *
 * <pre>
 * java -Xss4m -Dai.djl.offline=true -cp ... io.recformer.bench.jmh.JmhBenchmarks --out runs/jmh TopK
 * </pre>
 */
public final class JmhBenchmarks {

  private JmhBenchmarks() {}

  public static void main(String[] args)
      throws IOException, RunnerException, CommandLineOptionException {
    Path out = Path.of("runs", "jmh");
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--out") && i + 1 < args.length) {
        out = Path.of(args[++i]);
      } else {
        rest.add(args[i]);
      }
    }
    CommandLineOptions parsed = new CommandLineOptions(rest.toArray(String[]::new));
    String markdown = run(parsed, out);
    System.out.println(markdown);
  }

  /**
   * Runs with the given options, writes {@code jmh.json} and {@code jmh.md}, returns the Markdown.
   */
  static String run(Options options, Path out) throws IOException, RunnerException {
    Files.createDirectories(out);
    Path json = out.resolve("jmh.json");
    ChainedOptionsBuilder builder =
        new OptionsBuilder()
            .parent(options)
            .resultFormat(ResultFormatType.JSON)
            .result(json.toString());
    if (options.getIncludes().isEmpty()) {
      builder.include(JmhBenchmarks.class.getPackageName() + "\\..*");
    }
    String loadStart = Machine.loadAverage();
    Collection<RunResult> results = new Runner(builder.build()).run();
    String markdown = markdown(results, loadStart, Machine.loadAverage());
    AtomicFiles.writeString(out.resolve("jmh.md"), markdown);
    return markdown;
  }

  static String markdown(Collection<RunResult> results, String loadStart, String loadEnd) {
    Provenance p = Provenance.capture("none", 0, Map.of());
    StringBuilder md = new StringBuilder("## JMH micro-benchmarks\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Machine: %s, %d cores, %s RAM; %s %s; %s %s; commit %s;"
                + " load average %s at start, %s at end.%n%n",
            Machine.cpuModel(),
            Runtime.getRuntime().availableProcessors(),
            Machine.totalMemory(),
            System.getProperty("java.vm.name"),
            System.getProperty("java.runtime.version"),
            p.os(),
            p.arch(),
            p.gitCommit(),
            loadStart,
            loadEnd));
    md.append(
            "| benchmark | parameters | mode | score | error (99.9%) | unit | forks x iterations"
                + " |\n")
        .append("|---|---|---|---|---|---|---|\n");
    for (RunResult r : results) {
      var params = r.getParams();
      StringBuilder ps = new StringBuilder();
      for (String key : params.getParamsKeys()) {
        ps.append(ps.length() == 0 ? "" : ", ")
            .append(key)
            .append('=')
            .append(params.getParam(key));
      }
      var primary = r.getPrimaryResult();
      double error = primary.getScoreError();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %.3f | %s | %s | %d x %d |%n",
              params.getBenchmark().replace(JmhBenchmarks.class.getPackageName() + ".", ""),
              ps,
              params.getMode().shortLabel(),
              primary.getScore(),
              Double.isNaN(error) ? "n/a" : String.format(Locale.ROOT, "%.3f", error),
              primary.getScoreUnit(),
              params.getForks(),
              params.getMeasurement().getCount()));
    }
    md.append(
        "\n"
            + "Throughput modes (thrpt) count items or histories per second (operations per"
            + " invocation); avgt and ss are time per call. JVM flags of the forks: see jmh.json"
            + " (jvmArgs).\n");
    return md.toString();
  }
}
