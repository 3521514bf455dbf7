package io.recformer.bench.efficiency;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.io.AtomicFiles;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Writes the efficiency results as {@code efficiency.csv}, {@code efficiency.json} (format version
 * 1, settings and one object per cell), {@code efficiency.md}, {@code efficiency.png} (epoch
 * estimate per cell) and {@code efficiency-memory.png} (peak resident memory of training per cell),
 * each atomically. Cells that were not measured keep empty values and their status; nothing is
 * filled in.
 */
final class EfficiencyReport {

  static final String CSV = "efficiency.csv";
  static final String JSON = "efficiency.json";
  static final String MARKDOWN = "efficiency.md";
  static final String CHART = "efficiency.png";
  static final String MEMORY_CHART = "efficiency-memory.png";

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** A column: header and how a cell shows it (empty when not measured). */
  private record Column(String header, Function<CellResult, String> value) {}

  private static final List<Column> COLUMNS =
      List.of(
          new Column("model", r -> r.model),
          new Column("layers x hidden", r -> r.size),
          new Column("max tokens", r -> Integer.toString(r.maxTokens)),
          new Column("batch", r -> Integer.toString(r.batch)),
          new Column("device", r -> r.device),
          new Column("status", r -> r.status),
          new Column("tokens per sequence (mean)", r -> fmt(r.meanTokens, "%.0f")),
          new Column("step s (median)", r -> fmt(r.stepSeconds, "%.3f")),
          new Column("step CPU-s (median)", r -> fmt(r.stepCpuSeconds, "%.3f")),
          new Column(
              "steps per epoch", r -> r.stepsPerEpoch == null ? "" : r.stepsPerEpoch.toString()),
          new Column("epoch s (training steps)", r -> fmt(r.epochSeconds, "%.0f")),
          new Column("item matrix s", r -> fmt(r.itemMatrixSeconds, "%.0f")),
          new Column("peak RSS training MB", r -> fmt(r.trainingPeakRssMb)),
          new Column("peak native training MB", r -> fmt(r.trainingPeakNativeMb)),
          new Column("peak GPU MB", r -> fmt(r.gpuPeakMb)),
          new Column("peak RSS cell MB", r -> fmt(r.peakRssMb)),
          new Column("ORT histories/s", r -> fmt(r.ortSequencesPerSecond, "%.2f")),
          new Column("ORT tokens/s", r -> fmt(r.ortTokensPerSecond, "%.0f")));

  private EfficiencyReport() {}

  static void writeAll(
      Path dir, List<CellResult> cells, Map<String, String> settings, String markdown)
      throws IOException {
    AtomicFiles.writeString(dir.resolve(CSV), csv(cells));
    AtomicFiles.writeString(dir.resolve(JSON), json(cells, settings));
    AtomicFiles.writeString(dir.resolve(MARKDOWN), markdown);
    String device = cells.isEmpty() ? "" : cells.get(0).device;
    writeChart(
        dir.resolve(CHART),
        cells,
        "Estimated fine-tuning epoch on " + device + " (training steps)",
        "minutes per epoch",
        r -> r.epochSeconds == null ? null : r.epochSeconds / 60.0);
    writeChart(
        dir.resolve(MEMORY_CHART),
        cells,
        "Peak resident memory of training on " + device,
        "GB (VmHWM)",
        r ->
            r.trainingPeakRssMb == null || r.trainingPeakRssMb < 0
                ? null
                : r.trainingPeakRssMb / 1024.0);
  }

  static String csv(List<CellResult> cells) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < COLUMNS.size(); i++) {
      out.append(i == 0 ? "" : ",").append(quote(COLUMNS.get(i).header()));
    }
    out.append('\n');
    for (CellResult r : cells) {
      for (int i = 0; i < COLUMNS.size(); i++) {
        out.append(i == 0 ? "" : ",").append(quote(COLUMNS.get(i).value().apply(r)));
      }
      out.append('\n');
    }
    return out.toString();
  }

  static String json(List<CellResult> cells, Map<String, String> settings) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("formatVersion", 1);
    ObjectNode s = root.putObject("settings");
    settings.forEach(s::put);
    ArrayNode array = root.putArray("cells");
    for (CellResult r : cells) {
      array.add(MAPPER.valueToTree(r));
    }
    return MAPPER.writeValueAsString(root);
  }

  static String markdown(List<CellResult> cells, Map<String, String> settings) {
    StringBuilder md =
        new StringBuilder("## Efficiency: training step, epoch estimate, memory, ONNX Runtime\n\n");
    md.append("Machine: ")
        .append(settings.get("cpu"))
        .append(", ")
        .append(settings.get("cores"))
        .append(" cores, ")
        .append(settings.get("ram"))
        .append(" RAM; ")
        .append(settings.get("jvm"))
        .append("; commit ")
        .append(settings.get("commit"))
        .append("; device ")
        .append(settings.get("device"))
        .append("; load average ")
        .append(settings.get("load average at start"))
        .append(" at start, ")
        .append(settings.get("load average at end"))
        .append(" at end.\n\n");
    md.append('|');
    COLUMNS.forEach(c -> md.append(' ').append(c.header()).append(" |"));
    md.append("\n|").append("---|".repeat(COLUMNS.size())).append('\n');
    for (CellResult r : cells) {
      md.append('|');
      COLUMNS.forEach(
          c -> md.append(' ').append(c.value().apply(r).replace("|", "/")).append(" |"));
      md.append('\n');
    }
    md.append(
        "\n"
            + "For comparison, the mini study's numbers (reference section 9; one GPU, fp16,"
            + " pre-training and fine-tuning of the original code; not measured here):\n\n"
            + "| encoder | max tokens | batch | fine-tune GPU memory | fine-tune time/epoch |\n"
            + "|---|---|---|---|---|\n"
            + "| Longformer-base | 1024 | 16 | 25,656 MB | 1800+ s |\n"
            + "| Longformer-base | 512 | 16 | 19,966 MB | 1600+ s |\n"
            + "| Longformer-mini | 512 | 16 | 6,060 MB | 502 s |\n"
            + "| Longformer-mini | 512 | 80 | 17,552 MB | 312 s |\n\n");
    md.append("### Settings\n\n");
    settings.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    return md.toString();
  }

  /**
   * A bar per cell: series = model, category = max tokens x batch; unmeasured cells have no bar.
   */
  private static void writeChart(
      Path file,
      List<CellResult> cells,
      String title,
      String yLabel,
      Function<CellResult, Double> value)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (CellResult r : cells) {
      String category = String.format(Locale.ROOT, "%d tok x %d", r.maxTokens, r.batch);
      data.addValue(value.apply(r), r.model + " (" + r.size + ")", category);
    }
    JFreeChart chart =
        ChartFactory.createBarChart(
            title,
            "max tokens x batch",
            yLabel,
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    chart.setBackgroundPaint(Color.WHITE);
    AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, 900, 500));
  }

  private static String fmt(Double v, String format) {
    return v == null || v.isNaN() ? "" : String.format(Locale.ROOT, format, v);
  }

  private static String fmt(Long v) {
    return v == null || v < 0 ? "" : Long.toString(v);
  }

  private static String quote(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
