package io.recformer.bench.quality;

import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.TiePolicy;
import java.util.List;

/**
 * A tie policy and a history policy under which a number was computed, and the history penalty the
 * scores were given before ranking (0 for the plain protocols; a scoring rule, see {@link
 * io.recformer.core.metrics.HistoryPenalty}).
 *
 * @param label short label for tables
 */
record Protocol(String label, TiePolicy ties, HistoryPolicy history, double historyPenalty) {

  /** Label of the rows scored with a history penalty chosen on validation. */
  static final String PENALIZED_LABEL = "original ties, history kept, history penalty";

  /** The same with expected ties. */
  static final String PENALIZED_EXPECTED_LABEL = "expected ties, history kept, history penalty";

  /** Whether this is one of the rows scored with a chosen history penalty (which may be 0). */
  boolean penalizedRow() {
    return label.equals(PENALIZED_LABEL) || label.equals(PENALIZED_EXPECTED_LABEL);
  }

  Protocol(String label, TiePolicy ties, HistoryPolicy history) {
    this(label, ties, history, 0);
  }

  /**
   * The published protocol with the scores of each user's history items lowered by {@code penalty}.
   */
  static Protocol penalized(double penalty) {
    return new Protocol(PENALIZED_LABEL, TiePolicy.ORIGINAL, HistoryPolicy.KEEP, penalty);
  }

  /** {@link #penalized} with expected ties. */
  static Protocol penalizedExpected(double penalty) {
    return new Protocol(PENALIZED_EXPECTED_LABEL, TiePolicy.EXPECTED, HistoryPolicy.KEEP, penalty);
  }

  /** The published protocol (reference section 6): ties in the target's favour, history ranked. */
  static final Protocol PUBLISHED =
      new Protocol("original ties, history kept", TiePolicy.ORIGINAL, HistoryPolicy.KEEP);

  /** Random tie-breaking in expectation, history ranked: robust to constant or tied scores. */
  static final Protocol EXPECTED =
      new Protocol("expected ties, history kept", TiePolicy.EXPECTED, HistoryPolicy.KEEP);

  /** Expected ties with the user's history removed from the ranking (common elsewhere). */
  static final Protocol EXPECTED_EXCLUDE =
      new Protocol("expected ties, history excluded", TiePolicy.EXPECTED, HistoryPolicy.EXCLUDE);

  static final List<Protocol> ALL = List.of(PUBLISHED, EXPECTED, EXPECTED_EXCLUDE);
}
