package io.recformer.bench.quality;

import io.recformer.bench.baseline.IndexedExample;
import io.recformer.bench.baseline.SequenceScorer;
import io.recformer.core.metrics.HistoryPenalty;
import io.recformer.core.metrics.MetricAccumulator;
import io.recformer.core.metrics.MetricReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores every catalog item for each example with a {@link SequenceScorer} and accumulates the
 * metrics per {@link Protocol} and {@link Slice} in one pass (the scores are computed once).
 */
final class SliceEvaluator {

  private static final Logger LOG = LoggerFactory.getLogger(SliceEvaluator.class);
  private static final int BATCH = 256;

  private SliceEvaluator() {}

  /** Reports per protocol and slice; a slice without users is absent. */
  static Map<Protocol, Map<Slice, MetricReport>> evaluate(
      SequenceScorer scorer,
      List<IndexedExample> examples,
      List<Protocol> protocols,
      IntPredicate inTraining) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("no examples to evaluate " + scorer.name() + " on");
    }
    Map<Protocol, Map<Slice, MetricAccumulator>> acc = new LinkedHashMap<>();
    for (Protocol p : protocols) {
      Map<Slice, MetricAccumulator> perSlice = new EnumMap<>(Slice.class);
      for (Slice s : Slice.values()) {
        perSlice.put(s, new MetricAccumulator(p.ties(), p.history()));
      }
      acc.put(p, perSlice);
    }
    long start = System.nanoTime();
    // Per-user metrics do not depend on the order; length-sorted batches pad least in sequence
    // models.
    List<IndexedExample> sorted = new ArrayList<>(examples);
    sorted.sort(Comparator.comparingInt(e -> e.history().length));
    examples = sorted;
    for (int from = 0; from < examples.size(); from += BATCH) {
      List<IndexedExample> part = examples.subList(from, Math.min(examples.size(), from + BATCH));
      List<int[]> histories = new ArrayList<>(part.size());
      part.forEach(e -> histories.add(e.history()));
      float[][] scores = scorer.score(histories);
      for (int i = 0; i < part.size(); i++) {
        if (scores[i].length != scorer.itemCount()) {
          throw new IllegalStateException(
              String.format(
                  Locale.ROOT,
                  "%s returned %d scores, expected %d",
                  scorer.name(),
                  scores[i].length,
                  scorer.itemCount()));
        }
        int target = part.get(i).target();
        Slice slice = inTraining.test(target) ? Slice.IN_SET : Slice.COLD_START;
        for (Map.Entry<Protocol, Map<Slice, MetricAccumulator>> entry : acc.entrySet()) {
          float[] row = scores[i];
          double penalty = entry.getKey().historyPenalty();
          if (penalty > 0) {
            row = row.clone();
            HistoryPenalty.apply(row, 0, row.length, histories.get(i), penalty);
          }
          entry.getValue().get(Slice.ALL).add(row, target, histories.get(i));
          entry.getValue().get(slice).add(row, target, histories.get(i));
        }
      }
    }
    LOG.info(
        String.format(
            Locale.ROOT,
            "%s: %d users evaluated in %.1f s",
            scorer.name(),
            examples.size(),
            (System.nanoTime() - start) / 1e9));
    Map<Protocol, Map<Slice, MetricReport>> out = new LinkedHashMap<>();
    acc.forEach(
        (p, perSlice) -> {
          Map<Slice, MetricReport> reports = new EnumMap<>(Slice.class);
          perSlice.forEach(
              (s, a) -> {
                if (a.count() > 0) {
                  reports.put(s, a.report());
                }
              });
          out.put(p, reports);
        });
    return out;
  }
}
