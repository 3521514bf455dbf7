package io.recformer.bench.paper;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.bench.paper.GridPlan.Table;
import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the three tables from the cells' {@code cell.json} files (only cells whose status is done
 * count) and writes each as Markdown, CSV, JSON and a PNG chart of NDCG@10. Rows with at least two
 * seeds show mean ± sample sd; one-seed rows show their value with the domain's Recformer row's sd
 * beside it in brackets, for scale.
 */
public final class PaperTables {

  /** The metrics of every table, in column order. */
  public static final List<String> METRICS =
      List.of("NDCG@10", "Recall@10", "MRR", "NDCG@50", "Recall@50");

  static final String OFFLINE =
      "Instruments, Arts and Pet with item text could not be obtained offline.";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One row of a table: its cells (done ones) and the per-metric spread over them. */
  public record Row(
      String domain, String key, String label, List<CellRecord> cells, Map<String, Spread> stats) {

    static Row of(String domain, String key, String label, List<CellRecord> cells) {
      Map<String, Spread> stats = new LinkedHashMap<>();
      if (!cells.isEmpty()) {
        for (String m : METRICS) {
          List<Double> values = new ArrayList<>();
          cells.forEach(c -> values.add(c.test.get(m)));
          stats.put(m, Spread.of(values));
        }
      }
      return new Row(domain, key, label, List.copyOf(cells), stats);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(PaperTables.class);

  private final GridPlan plan;

  public PaperTables(GridPlan plan) {
    this.plan = plan;
  }

  private PaperConfig config() {
    return plan.config();
  }

  /** The done cells' records by id (cells never run, not done or stale are absent). */
  Map<String, CellRecord> doneCells(List<GridCell> cells) throws IOException {
    Map<String, CellRecord> out = new LinkedHashMap<>();
    for (GridCell c : cells) {
      var r = CellRecord.find(c.directory(config().runs()));
      if (r.isPresent() && r.get().done()) {
        var stale = r.get().staleReason(c, config().runs(), plan.byId());
        if (stale.isPresent()) {
          LOG.warn("{}: left out of the tables, its result is stale ({})", c.id(), stale.get());
        } else {
          out.put(c.id(), r.get());
        }
      }
    }
    return out;
  }

  /** The rows of a table, domain by domain. */
  public List<Row> rows(Table table) throws IOException {
    List<GridCell> cells = plan.cells(List.of(table));
    Map<String, CellRecord> done = doneCells(cells);
    List<Row> rows = new ArrayList<>();
    for (String domain : config().domains().keySet()) {
      switch (table) {
        case OVERALL -> {
          for (PaperConfig.Baseline b : config().baselines().values()) {
            rows.add(Row.of(domain, b.key(), b.label(), pick(cells, done, domain, b.key())));
          }
          rows.add(
              Row.of(
                  domain,
                  GridPlan.RECFORMER,
                  recformerLabel(AblationVariant.ORIGINAL),
                  pick(cells, done, domain, GridPlan.RECFORMER)));
        }
        case ZERO_SHOT -> {
          rows.add(
              Row.of(
                  domain,
                  "zero-shot",
                  "zero-shot (pre-trained on the other domains only)",
                  pick(cells, done, domain, "zero-shot")));
          rows.add(
              Row.of(
                  domain,
                  GridPlan.RECFORMER,
                  "pre-trained and fine-tuned (" + recformerLabel(AblationVariant.ORIGINAL) + ")",
                  pick(cells, done, domain, GridPlan.RECFORMER)));
        }
        case ABLATION -> {
          for (String name : config().ablation().variants()) {
            AblationVariant v = AblationVariant.parse(name);
            String key = v == AblationVariant.ORIGINAL ? GridPlan.RECFORMER : v.key();
            List<CellRecord> picked = new ArrayList<>();
            for (long seed : plan.ablationSeeds()) {
              CellRecord r = done.get(GridPlan.finetuneId(domain, v, seed));
              if (r != null) {
                picked.add(r);
              }
            }
            rows.add(Row.of(domain, key, v.label() + " — " + recformerLabel(v), picked));
          }
        }
      }
    }
    return rows;
  }

  private static List<CellRecord> pick(
      List<GridCell> cells, Map<String, CellRecord> done, String domain, String row) {
    List<CellRecord> out = new ArrayList<>();
    for (GridCell c : cells) {
      if (c.domain().equals(domain) && c.row().equals(row) && done.containsKey(c.id())) {
        out.add(done.get(c.id()));
      }
    }
    return out;
  }

  private String recformerLabel(AblationVariant v) {
    PaperConfig.Recformer r = config().recformer();
    String extra = v.extraSettings().isEmpty() ? "" : ", " + v.extraSettings();
    return String.format(
        Locale.ROOT,
        "Recformer: %s, %d tokens, %s pooling, variant %s%s",
        r.backbone(),
        r.maxTokens(),
        r.pooling(),
        v.variant(),
        extra);
  }

  /** Writes {@code <table>.md/.csv/.json/.png} into the configured output directory. */
  public void write(Table table) throws IOException {
    List<Row> rows = rows(table);
    Path out = config().output();
    Files.createDirectories(out);
    String name = table.key();
    AtomicFiles.writeString(out.resolve(name + ".md"), markdown(table, rows));
    AtomicFiles.writeString(out.resolve(name + ".csv"), csv(rows));
    AtomicFiles.writeString(out.resolve(name + ".json"), json(table, rows));
    chart(out.resolve(name + ".png"), table, rows);
  }

  /** The Markdown table (and its header of budgets, seeds and protocol). */
  String markdown(Table table, List<Row> rows) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(title(table)).append("\n\n");
    md.append(header(rows));
    if (table == Table.ZERO_SHOT) {
      md.append(zeroShotMarkdown(rows));
      return md.toString();
    }
    md.append("| domain | row | seeds |");
    METRICS.forEach(m -> md.append(' ').append(m).append(" |"));
    md.append("\n|---|---|---:|");
    METRICS.forEach(m -> md.append("---:|"));
    md.append('\n');
    for (Row row : rows) {
      Row main = mainRow(rows, row.domain());
      md.append("| ").append(row.domain()).append(" | ").append(row.label()).append(" | ");
      md.append(row.cells().size()).append(" |");
      for (String m : METRICS) {
        md.append(' ').append(cellText(row, main, m)).append(" |");
      }
      md.append('\n');
    }
    md.append(
        "\nmean ± sd: sample standard deviation over the seeds. [± x]: a one-seed row, with the"
            + " sd of its domain's Recformer row beside it for scale (not its own spread). —: the"
            + " cell has not run yet.\n");
    return md.toString();
  }

  private static Row mainRow(List<Row> rows, String domain) {
    for (Row r : rows) {
      if (r.domain().equals(domain) && r.key().equals(GridPlan.RECFORMER)) {
        return r;
      }
    }
    return null;
  }

  static String cellText(Row row, Row main, String metric) {
    Spread s = row.stats().get(metric);
    if (s == null) {
      return "—";
    }
    if (s.measured()) {
      return String.format(Locale.ROOT, "%.4f ± %.4f", s.mean(), s.sd());
    }
    Spread ref = main == null ? null : main.stats().get(metric);
    if (ref != null && ref.measured()) { // never the main row itself: it has one seed here
      return String.format(Locale.ROOT, "%.4f [± %.4f]", s.mean(), ref.sd());
    }
    return String.format(Locale.ROOT, "%.4f", s.mean());
  }

  private String zeroShotMarkdown(List<Row> rows) {
    StringBuilder md = new StringBuilder();
    md.append("Each cell: zero-shot / fine-tuned (mean over the fine-tuned seeds) = contribution");
    md.append(" (zero-shot as a share of fine-tuned).\n\n| domain |");
    METRICS.forEach(m -> md.append(' ').append(m).append(" |"));
    md.append("\n|---|");
    METRICS.forEach(m -> md.append("---:|"));
    md.append('\n');
    for (String domain : config().domains().keySet()) {
      Row zs = find(rows, domain, "zero-shot");
      Row ft = find(rows, domain, GridPlan.RECFORMER);
      md.append("| ").append(domain).append(" |");
      for (String m : METRICS) {
        md.append(' ').append(contribution(zs, ft, m)).append(" |");
      }
      md.append('\n');
    }
    return md.toString();
  }

  static String contribution(Row zeroShot, Row fineTuned, String metric) {
    Spread z = zeroShot == null ? null : zeroShot.stats().get(metric);
    Spread f = fineTuned == null ? null : fineTuned.stats().get(metric);
    if (z == null || f == null) {
      return "—";
    }
    String ft =
        f.measured()
            ? String.format(Locale.ROOT, "%.4f ± %.4f", f.mean(), f.sd())
            : String.format(Locale.ROOT, "%.4f", f.mean());
    return String.format(
        Locale.ROOT, "%.4f / %s = %.0f%%", z.mean(), ft, 100 * z.mean() / f.mean());
  }

  private static Row find(List<Row> rows, String domain, String key) {
    for (Row r : rows) {
      if (r.domain().equals(domain) && r.key().equals(key)) {
        return r;
      }
    }
    return null;
  }

  private static String title(Table table) {
    return switch (table) {
      case OVERALL -> "Overall performance (paper Table 2 form)";
      case ZERO_SHOT -> "Zero-shot transfer: pre-trained only vs pre-trained and fine-tuned";
      case ABLATION -> "Ablation of the fine-tuning variants";
    };
  }

  /** Budgets, seeds, protocol and the missing domains: stated above every table. */
  String header(List<Row> rows) {
    PaperConfig c = config();
    StringBuilder h = new StringBuilder();
    Set<String> ties = new LinkedHashSet<>();
    Set<String> commits = new LinkedHashSet<>();
    int users = 0;
    for (Row r : rows) {
      for (CellRecord cell : r.cells()) {
        ties.add(cell.tiePolicy + " ties, history " + cell.historyPolicy);
        commits.add(cell.commit);
        users++;
      }
    }
    h.append("Protocol: leave-one-out (last item test, second-last validation), full ranking over")
        .append(" every item of the domain, per-user means over all test users (no subsample);")
        .append(" policies recorded by the cells: ")
        .append(ties.isEmpty() ? "none yet" : String.join("; ", ties))
        .append(
            ". Every model is chosen on validation; each cell scores test once, at its end.\n\n");
    h.append("Seeds: ").append(c.seeds()).append(" (Recformer: all; ");
    c.baselines()
        .values()
        .forEach(b -> h.append(b.key()).append(": ").append(b.seeds()).append("; "));
    h.append("ablation: ").append(c.ablation().seeds()).append(").\n\n");
    h.append("Budgets per domain (pre-training on the other domains only; fine-tuning):\n\n");
    for (PaperConfig.Domain d : c.domains().values()) {
      Map<String, String> pre = new LinkedHashMap<>(c.recformer().pretrain());
      pre.putAll(d.pretrain());
      Map<String, String> ft = new LinkedHashMap<>(c.recformer().finetune());
      ft.putAll(d.finetune());
      h.append(
          String.format(
              Locale.ROOT,
              "- %s (%,d users, %,d items, %,d interactions): pretrain %s; finetune %s%s\n",
              d.name(),
              d.users(),
              d.items(),
              d.interactions(),
              pre,
              ft,
              d.baselineArgs().isEmpty() ? "" : "; baselines " + d.baselineArgs()));
    }
    h.append("\n").append(OFFLINE).append(" Cells done: ").append(users);
    h.append("; commits: ").append(commits.isEmpty() ? "none yet" : String.join(", ", commits));
    h.append(".\n\n");
    return h.toString();
  }

  String csv(List<Row> rows) {
    StringBuilder csv = new StringBuilder("domain,row,label,seeds");
    METRICS.forEach(m -> csv.append(',').append(m).append("_mean,").append(m).append("_sd"));
    csv.append(",cells\n");
    for (Row r : rows) {
      csv.append(r.domain()).append(',').append(r.key()).append(",\"");
      csv.append(r.label().replace("\"", "\"\"")).append("\",").append(r.cells().size());
      for (String m : METRICS) {
        Spread s = r.stats().get(m);
        csv.append(',').append(s == null ? "" : String.format(Locale.ROOT, "%.6f", s.mean()));
        csv.append(',');
        csv.append(s == null || !s.measured() ? "" : String.format(Locale.ROOT, "%.6f", s.sd()));
      }
      List<String> ids = new ArrayList<>();
      r.cells().forEach(cell -> ids.add(cell.id));
      csv.append(",\"").append(String.join(" ", ids)).append("\"\n");
    }
    return csv.toString();
  }

  String json(Table table, List<Row> rows) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("formatVersion", 1);
    root.put("table", table.key());
    root.put("note", OFFLINE);
    ArrayNode list = root.putArray("rows");
    for (Row r : rows) {
      ObjectNode o = list.addObject();
      o.put("domain", r.domain());
      o.put("row", r.key());
      o.put("label", r.label());
      o.put("seeds", r.cells().size());
      ObjectNode metrics = o.putObject("metrics");
      r.stats()
          .forEach(
              (m, s) -> {
                ObjectNode x = metrics.putObject(m);
                x.put("mean", s.mean());
                if (s.measured()) {
                  x.put("sd", s.sd());
                }
                x.put("n", s.n());
              });
      ArrayNode cells = o.putArray("cells");
      for (CellRecord cell : r.cells()) {
        ObjectNode x = cells.addObject();
        x.put("id", cell.id);
        x.put("seed", cell.seed);
        x.put("commit", cell.commit);
        x.put("wallSeconds", cell.wallSeconds);
        x.set("budget", JSON.valueToTree(cell.budget));
        x.set("model", JSON.valueToTree(cell.model));
        x.set("test", JSON.valueToTree(cell.test));
        x.put("validationMetric", cell.validationMetric);
        if (cell.validationValue != null) {
          x.put("validationValue", cell.validationValue);
        }
      }
    }
    return JSON.writeValueAsString(root) + "\n";
  }

  private static void chart(Path file, Table table, List<Row> rows) throws IOException {
    System.setProperty("java.awt.headless", "true");
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (Row r : rows) {
      Spread s = r.stats().get("NDCG@10");
      if (s != null) {
        String label = r.label().length() > 40 ? r.label().substring(0, 40) + "…" : r.label();
        data.addValue(s.mean(), label, r.domain());
      }
    }
    JFreeChart chart =
        ChartFactory.createBarChart(
            title(table),
            null,
            "test NDCG@10 (mean over seeds)",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, 1000, 560));
  }
}
