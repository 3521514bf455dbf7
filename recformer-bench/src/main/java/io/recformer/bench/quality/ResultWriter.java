package io.recformer.bench.quality;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Writes a benchmark's rows as {@code results.csv}, {@code results.json}, {@code results.md} and a
 * bar chart {@code results.png} (Recall@10 and NDCG@10 under the published protocol), each
 * atomically.
 */
final class ResultWriter {

  static final List<String> METRICS =
      List.of("Recall@10", "NDCG@10", "Recall@50", "NDCG@50", "MRR");
  static final String CSV = "results.csv";
  static final String JSON = "results.json";
  static final String MARKDOWN = "results.md";
  static final String CHART = "results.png";

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ResultWriter() {}

  static void writeAll(
      Path dir,
      String title,
      Map<String, String> settings,
      List<ResultRow> rows,
      List<ModelRun> runs,
      String markdown)
      throws IOException {
    AtomicFiles.writeString(dir.resolve(CSV), csv(rows));
    AtomicFiles.writeString(dir.resolve(JSON), json(title, settings, rows, runs));
    AtomicFiles.writeString(dir.resolve(MARKDOWN), markdown);
    writeChart(dir.resolve(CHART), title, rows);
  }

  static String csv(List<ResultRow> rows) {
    StringBuilder out = new StringBuilder("model,source,protocol,slice,users");
    for (String m : METRICS) {
      out.append(',').append(m);
    }
    for (String m : METRICS) {
      out.append(",se_").append(m);
    }
    out.append(",note\n");
    for (ResultRow r : rows) {
      out.append(quote(r.model()))
          .append(',')
          .append(quote(r.source()))
          .append(',')
          .append(quote(r.protocol()))
          .append(',')
          .append(quote(r.slice()))
          .append(',')
          .append(r.users());
      for (String m : METRICS) {
        out.append(',').append(number(r.metrics().get(m)));
      }
      for (String m : METRICS) {
        out.append(',').append(number(r.standardErrors().get(m)));
      }
      out.append(',').append(quote(r.note())).append('\n');
    }
    return out.toString();
  }

  private static String number(Double v) {
    return v == null || v.isNaN() ? "" : String.format(Locale.ROOT, "%.6f", v);
  }

  private static String quote(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }

  static String json(
      String title, Map<String, String> settings, List<ResultRow> rows, List<ModelRun> runs)
      throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("formatVersion", 1);
    root.put("title", title);
    ObjectNode s = root.putObject("settings");
    settings.forEach(s::put);
    ArrayNode array = root.putArray("rows");
    for (ResultRow r : rows) {
      ObjectNode n = array.addObject();
      n.put("model", r.model());
      n.put("source", r.source());
      n.put("protocol", r.protocol());
      n.put("slice", r.slice());
      n.put("users", r.users());
      ObjectNode m = n.putObject("metrics");
      r.metrics()
          .forEach(
              (k, v) -> {
                if (v.isNaN()) {
                  m.putNull(k);
                } else {
                  m.put(k, v);
                }
              });
      ObjectNode e = n.putObject("standardErrors");
      r.standardErrors()
          .forEach(
              (k, v) -> {
                if (v.isNaN()) {
                  e.putNull(k);
                } else {
                  e.put(k, v);
                }
              });
      n.put("note", r.note());
    }
    // Added with the paper grid (format version unchanged: a reader of version 1 ignores it).
    ObjectNode models = root.putObject("models");
    for (ModelRun run : runs) {
      ObjectNode m = models.putObject(run.key());
      m.put("name", run.name());
      m.put("wallSeconds", run.wallSeconds());
      m.put("validationNdcg10", run.validationNdcg10());
      if (run.summary() != null) {
        m.put("epochsRun", run.summary().epochsRun());
        m.put("bestEpoch", run.summary().bestEpoch());
        m.put("trainingSeconds", run.summary().seconds());
        m.put("trainingCpuSeconds", run.summary().cpuSeconds());
        m.put("targetsPerEpoch", run.summary().targetsPerEpoch());
        ArrayNode byEpoch = m.putArray("validationNdcg10ByEpoch");
        run.summary().validationNdcg10().forEach(byEpoch::add);
        ArrayNode loss = m.putArray("trainLossByEpoch");
        run.summary().trainLoss().forEach(loss::add);
      }
      if (run.chosen() != null) {
        m.put("chosenOnValidation", run.chosen());
      }
    }
    return MAPPER.writeValueAsString(root);
  }

  /**
   * A Markdown table of rows: model, metrics (with standard errors where measured), users, note.
   */
  static String table(List<ResultRow> rows, boolean withSlice) {
    StringBuilder out = new StringBuilder("| model |");
    if (withSlice) {
      out.append(" slice |");
    }
    for (String m : METRICS) {
      out.append(' ').append(m).append(" |");
    }
    out.append(" users | note |\n|---|");
    if (withSlice) {
      out.append("---|");
    }
    out.append("---|".repeat(METRICS.size())).append("---|---|\n");
    for (ResultRow r : rows) {
      out.append("| ").append(r.model()).append(" |");
      if (withSlice) {
        out.append(' ').append(r.slice()).append(" |");
      }
      for (String m : METRICS) {
        Double v = r.metrics().get(m);
        Double se = r.standardErrors().get(m);
        if (v == null || v.isNaN()) {
          out.append(" n/a |");
        } else if (se != null && !se.isNaN()) {
          out.append(String.format(Locale.ROOT, " %.4f ± %.4f |", v, se));
        } else {
          out.append(String.format(Locale.ROOT, " %.4f |", v));
        }
      }
      out.append(' ')
          .append(r.users() > 0 ? Long.toString(r.users()) : "")
          .append(" | ")
          .append(r.note())
          .append(" |\n");
    }
    return out.toString();
  }

  private static void writeChart(Path file, String title, List<ResultRow> rows) throws IOException {
    System.setProperty("java.awt.headless", "true");
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    List<String> seen = new ArrayList<>();
    Map<String, ResultRow> chosen = new LinkedHashMap<>();
    for (ResultRow r : rows) {
      boolean ours =
          r.measured()
              && r.protocol().equals(Protocol.PUBLISHED.label())
              && r.slice().equals(Slice.ALL.label());
      boolean sameSplit = r.source().equals(PublishedResults.SAME_SPLIT_SOURCE);
      if (ours || sameSplit) {
        String label = (ours ? "ours: " : "published: ") + r.model();
        if (!seen.contains(label)) {
          seen.add(label);
          chosen.put(label, r);
        }
      }
    }
    chosen.forEach(
        (label, r) -> {
          data.addValue(r.metric("Recall@10"), "Recall@10", label);
          data.addValue(r.metric("NDCG@10"), "NDCG@10", label);
        });
    JFreeChart chart =
        ChartFactory.createBarChart(
            title,
            null,
            "value (original ties, history kept)",
            data,
            PlotOrientation.HORIZONTAL,
            true,
            false,
            false);
    CategoryPlot plot = chart.getCategoryPlot();
    ((BarRenderer) plot.getRenderer()).setItemMargin(0.05);
    int height = Math.max(300, 120 + 45 * chosen.size());
    AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, 900, height));
  }
}
