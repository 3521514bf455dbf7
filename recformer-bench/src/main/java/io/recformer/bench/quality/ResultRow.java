package io.recformer.bench.quality;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of results: a model under a protocol on a slice, measured here or copied from a paper.
 *
 * @param model model label
 * @param source "measured" or the publication the numbers come from
 * @param protocol protocol label
 * @param slice slice label
 * @param users users averaged (0 when unknown)
 * @param metrics metric name to value; metrics a source does not give are absent
 * @param standardErrors metric name to standard error (measured rows only)
 * @param note free text (settings, caveats)
 */
record ResultRow(
    String model,
    String source,
    String protocol,
    String slice,
    long users,
    Map<String, Double> metrics,
    Map<String, Double> standardErrors,
    String note) {

  static final String MEASURED = "measured";

  ResultRow {
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    standardErrors = Collections.unmodifiableMap(new LinkedHashMap<>(standardErrors));
  }

  boolean measured() {
    return MEASURED.equals(source);
  }

  double metric(String name) {
    Double v = metrics.get(name);
    return v == null ? Double.NaN : v;
  }
}
