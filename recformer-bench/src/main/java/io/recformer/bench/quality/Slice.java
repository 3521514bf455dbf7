package io.recformer.bench.quality;

/** Which test users a number averages over. */
enum Slice {
  /** Every test user. */
  ALL("all"),
  /** Users whose test target occurs in some training sequence. */
  IN_SET("in-set"),
  /** Users whose test target never occurs in training: an ID-based model never learned it. */
  COLD_START("cold-start");

  private final String label;

  Slice(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
