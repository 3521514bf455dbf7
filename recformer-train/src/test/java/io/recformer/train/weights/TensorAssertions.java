package io.recformer.train.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

/**
 * Linear-time assertions on large float arrays (AssertJ's {@code containsExactly} is quadratic and
 * would print millions of values on failure); a failure names the first differing index.
 */
final class TensorAssertions {

  private TensorAssertions() {}

  static void assertSameValues(String what, float[] actual, float[] expected) {
    assertThat(actual.length).as(what + " length").isEqualTo(expected.length);
    int mismatch = Arrays.mismatch(actual, expected);
    if (mismatch >= 0) {
      throw new AssertionError(
          what
              + " differs first at index "
              + mismatch
              + ": "
              + actual[mismatch]
              + " instead of "
              + expected[mismatch]);
    }
  }

  static void assertDifferent(String what, float[] a, float[] b) {
    assertThat(Arrays.equals(a, b)).as(what + " should differ").isFalse();
  }
}
