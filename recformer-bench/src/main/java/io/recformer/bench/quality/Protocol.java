package io.recformer.bench.quality;

import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.TiePolicy;

/**
 * A tie policy and a history policy under which a number was computed.
 *
 * @param label short label for tables
 */
record Protocol(String label, TiePolicy ties, HistoryPolicy history) {

  /** The published protocol (reference section 6): ties in the target's favour, history ranked. */
  static final Protocol PUBLISHED = new Protocol("original ties, history kept", TiePolicy.ORIGINAL,
      HistoryPolicy.KEEP);
  /** Random tie-breaking in expectation, history ranked: robust to constant or tied scores. */
  static final Protocol EXPECTED = new Protocol("expected ties, history kept", TiePolicy.EXPECTED,
      HistoryPolicy.KEEP);
  /** Expected ties with the user's history removed from the ranking (common elsewhere). */
  static final Protocol EXPECTED_EXCLUDE = new Protocol("expected ties, history excluded", TiePolicy.EXPECTED,
      HistoryPolicy.EXCLUDE);

  static final java.util.List<Protocol> ALL = java.util.List.of(PUBLISHED, EXPECTED, EXPECTED_EXCLUDE);
}
