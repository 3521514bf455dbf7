package io.recformer.bench.paper;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.core.format.Provenance;
import io.recformer.train.checkpoint.Checkpoints;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stands in for the {@code recformer} tool in the grid tests: writes the result files each command
 * writes (same names and keys), appends its arguments to {@code <run>/../calls.txt}, and obeys
 * marker files in the cell directory: {@code hang} (write a checkpoint, then wait to be stopped;
 * the marker is removed) and {@code fail} (exit 1).
 */
public final class FakeTool {

  private FakeTool() {}

  public static void main(String[] args) throws Exception {
    List<String> a = List.of(args);
    String command = a.get(0);
    boolean resume = a.contains("--resume");
    Path run = Path.of(value(a, resume ? "--resume" : "--out"));
    Path cell = run.getParent();
    Files.createDirectories(run);
    Files.writeString(
        cell.resolve("calls.txt"),
        String.join(" ", a) + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    if (Files.exists(cell.resolve("fail"))) {
      System.exit(1);
    }
    long seed = a.contains("--seed") ? Long.parseLong(value(a, "--seed")) : 0;
    double base = 0.05 + 0.01 * seed;
    switch (command) {
      case "pretrain", "finetune" -> {
        if (!resume) {
          Files.writeString(
              run.resolve("config.json"), "{\"options\":{\"validationMetric\":\"NDCG@10\"}}");
        }
        Files.writeString(run.resolve("state.json"), "{}");
        if (Files.deleteIfExists(cell.resolve("hang"))) {
          Thread.sleep(60_000);
        }
        if (command.equals("pretrain")) {
          Files.writeString(
              run.resolve("report.json"), "{\"bestInBatchAccuracy\":0.4,\"bestStep\":8}");
          // A tiny model MiniLM does not fit: the archive stores it whole.
          Checkpoints.save(
              run.resolve("best"),
              Map.of("x", new WeightTensor("x", new long[] {2}, new float[] {1f, (float) seed})),
              CheckpointManifest.of(
                  RecformerConfig.longformerMini(), Provenance.capture("fake", seed, Map.of())));
        } else {
          Files.writeString(
              run.resolve("report.json"),
              "{\"bestStage\":\"stage2\",\"finalTest\":"
                  + evaluation(base, 40)
                  + ",\"bestValidation\":"
                  + evaluation(base + 0.002, 20)
                  + "}");
        }
      }
      case "evaluate" ->
          Files.writeString(
              run.resolve("evaluation-test.json"),
              "{\"model\":" + evaluation(0.03, 40) + ",\"popularity\":" + evaluation(0, 40) + "}");
      case "bench" -> {
        // As bench quality: each slice under three protocols (only the published one scores
        // 0.02), and a published number of another paper.
        String row =
            "{\"model\":\"%s\",\"source\":\"%s\",\"slice\":\"%s\",\"users\":40,"
                + "\"protocol\":\"%s\",\"note\":\"fake\",\"metrics\":%s,"
                + "\"standardErrors\":"
                + metrics(0.001)
                + "}";
        String model = value(a, "--models");
        List<String> rows = new ArrayList<>();
        Map<String, Double> protocols = new LinkedHashMap<>();
        protocols.put("original ties, history kept", 0.02);
        protocols.put("expected ties, history kept", 0.015);
        protocols.put("expected ties, history excluded", 0.025);
        for (String slice : List.of("all", "in-set")) {
          protocols.forEach(
              (protocol, value) ->
                  rows.add(
                      String.format(
                          Locale.ROOT, row, model, "measured", slice, protocol, metrics(value))));
        }
        rows.add(
            String.format(
                Locale.ROOT,
                row,
                "SASRec",
                "a paper",
                "all",
                "original ties, history kept",
                metrics(0.04)));
        Files.writeString(
            run.resolve("results.json"), "{\"rows\":[" + String.join(",", rows) + "]}");
      }
      default -> throw new IllegalArgumentException("fake tool: unknown command " + command);
    }
  }

  private static String value(List<String> a, String option) {
    int i = a.indexOf(option);
    if (i < 0) {
      throw new IllegalArgumentException("fake tool: missing " + option + " in " + a);
    }
    return a.get(i + 1);
  }

  private static String evaluation(double value, int users) {
    return "{\"metrics\":"
        + metrics(value)
        + ",\"standardErrors\":"
        + metrics(0.001)
        + ",\"users\":"
        + users
        + ",\"tiePolicy\":\"ORIGINAL\",\"historyPolicy\":\"KEEP\"}";
  }

  private static String metrics(double v) {
    return String.format(
        Locale.ROOT,
        "{\"NDCG@10\":%s,\"Recall@10\":%s,\"MRR\":%s,\"NDCG@50\":%s,\"Recall@50\":%s}",
        v,
        2 * v,
        0.9 * v,
        1.3 * v,
        3 * v);
  }

  static void touch(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "");
  }
}
