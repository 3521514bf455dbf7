package io.recformer.train.run;

import io.recformer.core.io.AtomicFiles;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * PNG line charts of a run (training loss per step, validation metrics per evaluation), drawn
 * headless with JFreeChart and written atomically.
 */
public final class Charts {

  static {
    // Charts are drawn off-screen; without this a server without a display fails to load AWT.
    System.setProperty("java.awt.headless", "true");
  }

  private Charts() {}

  /**
   * Writes a line chart.
   *
   * @param series name to points {@code {x, y}}, in legend order
   */
  public static void line(
      Path png, String title, String xLabel, String yLabel, Map<String, List<double[]>> series)
      throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    series.forEach(
        (name, points) -> {
          XYSeries s = new XYSeries(name, false, true);
          for (double[] p : points) {
            if (Double.isFinite(p[1])) {
              s.add(p[0], p[1]);
            }
          }
          data.addSeries(s);
        });
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, 900, 500));
  }
}
