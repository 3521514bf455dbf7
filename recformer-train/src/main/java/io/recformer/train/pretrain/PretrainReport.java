package io.recformer.train.pretrain;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.train.run.Charts;
import io.recformer.train.run.CsvLog;
import io.recformer.train.run.RunDirectory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report of a pre-training run: report.json, report.md, loss.png and validation.png. */
final class PretrainReport {

  private final PretrainOptions options;
  private final RunDirectory run;
  private final CsvLog steps;
  private final CsvLog evals;

  PretrainReport(PretrainOptions options, RunDirectory run, CsvLog steps, CsvLog evals) {
    this.options = options;
    this.run = run;
    this.steps = steps;
    this.evals = evals;
  }

  /**
   * Writes report.json, report.md and the charts.
   *
   * @param best best held-out in-batch accuracy
   * @param bestStep the step it was reached at
   * @param globalStep optimizer steps of the run
   * @param epoch completed epochs
   * @param validationPairs held-out pairs scored
   */
  void write(double best, long bestStep, long globalStep, int epoch, int validationPairs)
      throws IOException {
    ObjectNode r = RunDirectory.JSON.createObjectNode();
    r.put("bestInBatchAccuracy", best);
    r.put("bestStep", bestStep);
    r.put("steps", globalStep);
    r.put("epochs", epoch);
    r.put("validationPairs", validationPairs);
    r.put("batchSize", options.batchSize());
    run.writeReport(
        r,
        String.format(
            Locale.ROOT,
            "# Pre-training report%n%n| steps | epochs | best in-batch accuracy | at step |"
                + " validation pairs | batch |%n|---|---|---|---|---|---|%n| %d | %d | %.4f | %d"
                + " | %d | %d |%n%nAccuracy: fraction of held-out pairs whose history scores its"
                + " own next item highest among the %d positives of its batch. Charts: loss.png,"
                + " validation.png.%n",
            globalStep,
            epoch,
            best,
            bestStep,
            validationPairs,
            options.batchSize(),
            options.batchSize()));
    Map<String, List<double[]>> loss = new LinkedHashMap<>();
    for (String[] row : steps.readRows()) {
      double step = Double.parseDouble(row[1]);
      loss.computeIfAbsent("total", k -> new ArrayList<>())
          .add(new double[] {step, Double.parseDouble(row[2])});
      loss.computeIfAbsent("IIC", k -> new ArrayList<>())
          .add(new double[] {step, Double.parseDouble(row[3])});
      loss.computeIfAbsent("MLM", k -> new ArrayList<>())
          .add(new double[] {step, Double.parseDouble(row[4])});
    }
    Charts.line(run.resolve("loss.png"), "Pre-training loss", "optimizer step", "loss", loss);
    List<double[]> acc = new ArrayList<>();
    for (String[] row : evals.readRows()) {
      acc.add(new double[] {Double.parseDouble(row[1]), Double.parseDouble(row[3])});
    }
    Charts.line(
        run.resolve("validation.png"),
        "Held-out in-batch accuracy",
        "optimizer step",
        "accuracy",
        Map.of("accuracy", acc));
  }
}
