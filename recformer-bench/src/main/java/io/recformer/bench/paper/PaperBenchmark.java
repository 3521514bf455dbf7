package io.recformer.bench.paper;

import io.recformer.bench.paper.GridPlan.Table;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The paper grid ({@code recformer bench paper}): expands a table into cells, runs those not done
 * (dependencies first, each a child process of the tool, until the sitting's time is up), then
 * writes the tables from every done cell. Run it again to continue: done cells are skipped and
 * interrupted ones resumed.
 */
@Command(
    name = "paper",
    mixinStandardHelpOptions = true,
    description = {
      "The paper's tables (overall, zero-shot, ablation) over the configured domains and seeds:"
          + " runs the cells not done yet as child processes of the tool, resumable over several"
          + " sittings, then writes <output>/<table>.md/.csv/.json/.png.",
      "See docs/paper/README.md."
    })
public final class PaperBenchmark implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(PaperBenchmark.class);

  /** The tool's main class, run with this JVM's class path when the config names no command. */
  public static final String TOOL_MAIN = "io.recformer.cli.RecformerCli";

  @Option(
      names = "--table",
      required = true,
      paramLabel = "overall|zero-shot|ablation|all",
      description = "Which table's cells to run and write.")
  String table;

  @Option(
      names = "--config",
      defaultValue = "config/paper.yaml",
      description = "The grid's configuration (default: ${DEFAULT-VALUE}).")
  Path config;

  @Option(names = "--dry-run", description = "List the cells with their estimated cost; run none.")
  boolean dryRun;

  @Option(
      names = "--only",
      paramLabel = "<glob>",
      description =
          "Run only cells whose id matches ('*' within a segment, '**' across), e.g."
              + " 'overall/office/**'; dependencies outside it must be done already.")
  String only;

  @Option(
      names = "--report-only",
      description = "Write the tables from the cells done so far; run nothing.")
  boolean reportOnly;

  @Option(
      names = "--hours",
      description = "This sitting's length in hours (default: the config's sittingHours).")
  Double hours;

  /** Overrides the child command (tests use a fake tool). */
  List<String> toolCommand;

  /** What relative paths in the configuration resolve against (the working directory). */
  Path base = Path.of("");

  @Override
  public Integer call() throws Exception {
    PaperConfig cfg = PaperConfig.read(config, base);
    GridPlan plan = new GridPlan(cfg);
    List<Table> tables = new ArrayList<>();
    if ("all".equalsIgnoreCase(table)) {
      tables.addAll(List.of(Table.values()));
    } else {
      tables.add(Table.parse(table));
    }
    List<GridCell> cells = plan.cells(tables);
    if (only != null) {
      cells = GridPlan.only(cells, only);
    }
    if (dryRun) {
      System.out.print(dryRunText(cfg, cells));
      return 0;
    }
    int restored =
        new CellArchive(cfg.archive(), cfg.runs()).sync(plan.cells(List.of(Table.values())));
    if (restored > 0) {
      LOG.info("{} done cells restored from {}", restored, cfg.archive());
    }
    if (!reportOnly) {
      double sitting = hours != null ? hours : cfg.sittingHours();
      Instant deadline = Instant.now().plusMillis((long) (sitting * 3_600_000));
      CellRunner runner = new CellRunner(cfg, tool(cfg), deadline, plan.byId());
      Map<CellRunner.Outcome, Integer> counts = new EnumMap<>(CellRunner.Outcome.class);
      int index = 0;
      long start = System.nanoTime();
      for (GridCell cell : cells) {
        index++;
        CellRunner.Outcome o = runner.run(cell);
        counts.merge(o, 1, Integer::sum);
        LOG.info(
            "cell {}/{} {}: {} ({} min into the sitting, {} min left)",
            index,
            cells.size(),
            cell.id(),
            o,
            (System.nanoTime() - start) / 60_000_000_000L,
            Math.max(0, Duration.between(Instant.now(), deadline).toMinutes()));
      }
      LOG.info("sitting over: {}", counts);
    }
    PaperTables writer = new PaperTables(plan);
    for (Table t : tables) {
      writer.write(t);
      LOG.info("wrote {}", cfg.output().resolve(t.key() + ".md"));
    }
    return 0;
  }

  /** The command that runs the tool: the config's, this JVM running the tool's main class. */
  List<String> tool(PaperConfig cfg) {
    if (toolCommand != null) {
      return toolCommand;
    }
    if (!cfg.command().isEmpty()) {
      return cfg.command();
    }
    List<String> c = new ArrayList<>();
    c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-agentlib:jdwp")) {
        c.add(a);
      }
    }
    c.add("-cp");
    c.add(System.getProperty("java.class.path"));
    c.add(TOOL_MAIN);
    return c;
  }

  /** The dry-run listing: every cell, its dependencies and estimated hours, and the totals. */
  static String dryRunText(PaperConfig cfg, List<GridCell> cells) {
    StringBuilder out = new StringBuilder();
    out.append("| cell | depends on | estimate (h) | fits a sitting |\n|---|---|---:|---|\n");
    double total = 0;
    double sittingSeconds = cfg.sittingHours() * 3600;
    for (GridCell c : cells) {
      total += c.estimatedSeconds();
      String fits;
      if (c.estimatedSeconds() <= 0.75 * sittingSeconds) {
        fits = "yes";
      } else if (c.kind().resumable()) {
        fits =
            String.format(
                Locale.ROOT,
                "in %d resumable pieces",
                (int) Math.ceil(c.estimatedSeconds() / (0.75 * sittingSeconds)));
      } else {
        fits = "NO: shrink its budget";
      }
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.2f | %s |\n",
              c.id(),
              c.dependsOn().isEmpty() ? "" : String.join(", ", c.dependsOn()),
              c.estimatedSeconds() / 3600,
              fits));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "\n%d cells, estimated %.1f hours on the 2-core machine (%.1f sittings of %.1f h)\n",
            cells.size(),
            total / 3600,
            total / sittingSeconds,
            cfg.sittingHours()));
    return out.toString();
  }
}
