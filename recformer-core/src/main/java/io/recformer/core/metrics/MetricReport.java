package io.recformer.core.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Per-user mean metrics of one evaluation, with the policies they were computed under.
 *
 * @param metrics metric name to mean value, in report order (NDCG@10, Recall@10, NDCG@50,
 *     Recall@50, MRR for the default cutoffs)
 * @param standardErrors metric name to the standard error of its mean (sample standard deviation /
 *     sqrt(users)); NaN with fewer than two users. Two runs whose difference is within about two
 *     standard errors are not distinguishable on this test set
 * @param users number of users averaged
 * @param tiePolicy how ties with the target were ranked
 * @param historyPolicy whether history items were ranked
 */
public record MetricReport(
    Map<String, Double> metrics,
    Map<String, Double> standardErrors,
    long users,
    TiePolicy tiePolicy,
    HistoryPolicy historyPolicy) {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public MetricReport {
    if (metrics == null || standardErrors == null || tiePolicy == null || historyPolicy == null) {
      throw new IllegalArgumentException("metrics, standard errors and policies are required");
    }
    if (!metrics.keySet().equals(standardErrors.keySet())) {
      throw new IllegalArgumentException(
          "standard errors "
              + standardErrors.keySet()
              + " do not cover the same metrics as "
              + metrics.keySet());
    }
    if (users < 1) {
      throw new IllegalArgumentException("users = " + users + " must be >= 1");
    }
    // LinkedHashMap copies keep the report order (Map.copyOf would not).
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    standardErrors = Collections.unmodifiableMap(new LinkedHashMap<>(standardErrors));
  }

  /**
   * The mean of a metric by name, e.g. {@code "NDCG@10"}.
   *
   * @throws IllegalArgumentException if the report has no such metric
   */
  public double get(String name) {
    return require(metrics, name);
  }

  /** The standard error of a metric's mean by name. */
  public double standardError(String name) {
    return require(standardErrors, name);
  }

  private double require(Map<String, Double> map, String name) {
    Double v = map.get(name);
    if (v == null) {
      throw new IllegalArgumentException(
          "no metric '" + name + "' in this report (available: " + metrics.keySet() + ")");
    }
    return v;
  }

  /**
   * The header and separator lines of a Markdown table whose rows are {@link #markdownRow(String)}:
   * a label column, one column per metric, users and policies.
   */
  public String markdownHeader(String labelColumn) {
    StringBuilder head = new StringBuilder("| ").append(labelColumn).append(" |");
    StringBuilder rule = new StringBuilder("|---|");
    for (String name : metrics.keySet()) {
      head.append(' ').append(name).append(" |");
      rule.append("---:|");
    }
    head.append(" users | ties | history |");
    rule.append("---:|---|---|");
    return head + "\n" + rule + "\n";
  }

  /** One Markdown table row: each metric as {@code mean ± standard error} with 4 decimals. */
  public String markdownRow(String label) {
    StringBuilder row = new StringBuilder("| ").append(label).append(" |");
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      double se = standardErrors.get(e.getKey());
      row.append(String.format(Locale.ROOT, " %.4f", e.getValue()));
      if (!Double.isNaN(se)) {
        row.append(String.format(Locale.ROOT, " ± %.4f", se));
      }
      row.append(" |");
    }
    row.append(' ')
        .append(users)
        .append(" | ")
        .append(tiePolicy.name().toLowerCase(Locale.ROOT))
        .append(" | ")
        .append(historyPolicy.name().toLowerCase(Locale.ROOT))
        .append(" |\n");
    return row.toString();
  }

  /** A complete one-row Markdown table. */
  public String toMarkdownTable(String label) {
    return markdownHeader("run") + markdownRow(label);
  }

  /**
   * This report as a JSON object: {@code users}, {@code tiePolicy}, {@code historyPolicy}, {@code
   * metrics} and {@code standardErrors} (objects in report order; an undefined standard error is
   * written as null).
   */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("users", users);
    root.put("tiePolicy", tiePolicy.name());
    root.put("historyPolicy", historyPolicy.name());
    ObjectNode m = root.putObject("metrics");
    metrics.forEach(m::put);
    ObjectNode s = root.putObject("standardErrors");
    standardErrors.forEach(
        (k, v) -> {
          if (Double.isFinite(v)) {
            s.put(k, v);
          } else {
            s.putNull(k);
          }
        });
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not render a metric report as JSON", e);
    }
  }
}
