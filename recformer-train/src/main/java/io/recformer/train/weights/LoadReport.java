package io.recformer.train.weights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a set of named tensors fits the parameters a model expects: which are missing, which are
 * unexpected, and which have the wrong shape (with both shapes). Loading code checks it before any
 * tensor is copied, so a mismatched checkpoint fails with the whole picture instead of at the first
 * bad name.
 *
 * @param missing expected names absent from the tensors, in expected order
 * @param unexpected tensor names the model does not have, sorted
 * @param wrongShapes names present with another shape, in expected order
 */
public record LoadReport(
    List<String> missing, List<String> unexpected, List<ShapeMismatch> wrongShapes) {

  public LoadReport {
    missing = List.copyOf(missing);
    unexpected = List.copyOf(unexpected);
    wrongShapes = List.copyOf(wrongShapes);
  }

  /**
   * A tensor whose shape differs from the model's.
   *
   * @param name the parameter name
   * @param expected the model's shape
   * @param actual the tensor's shape
   */
  // Arrays for speed: copied in and out; equals and hashCode below compare the contents.
  @SuppressWarnings("ArrayRecordComponent")
  public record ShapeMismatch(String name, long[] expected, long[] actual) {
    public ShapeMismatch {
      expected = expected.clone();
      actual = actual.clone();
    }

    @Override
    public long[] expected() {
      return expected.clone();
    }

    @Override
    public long[] actual() {
      return actual.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ShapeMismatch m
          && name.equals(m.name)
          && Arrays.equals(expected, m.expected)
          && Arrays.equals(actual, m.actual);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * name.hashCode() + Arrays.hashCode(expected)) + Arrays.hashCode(actual);
    }

    @Override
    public String toString() {
      return name + " is " + Arrays.toString(actual) + ", expected " + Arrays.toString(expected);
    }
  }

  /**
   * Compares tensors with the expected shapes (e.g. {@link RecformerWeightLayout#expectedShapes}).
   */
  public static LoadReport compare(
      Map<String, long[]> expected, Map<String, WeightTensor> tensors) {
    List<String> missing = new ArrayList<>();
    List<ShapeMismatch> wrong = new ArrayList<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      WeightTensor t = tensors.get(e.getKey());
      if (t == null) {
        missing.add(e.getKey());
      } else if (!Arrays.equals(t.shape(), e.getValue())) {
        wrong.add(new ShapeMismatch(e.getKey(), e.getValue(), t.shape()));
      }
    }
    List<String> unexpected = new ArrayList<>();
    for (String name : tensors.keySet()) {
      if (!expected.containsKey(name)) {
        unexpected.add(name);
      }
    }
    Collections.sort(unexpected);
    return new LoadReport(missing, unexpected, wrong);
  }

  /**
   * Strict matching: the tensors in expected order, or an {@link IllegalArgumentException} whose
   * message is the full {@link #describe(Map, Map) report} if anything is missing, unexpected or
   * wrongly shaped.
   */
  public static Map<String, WeightTensor> requireExact(
      Map<String, long[]> expected, Map<String, WeightTensor> tensors) {
    LoadReport report = compare(expected, tensors);
    if (!report.isClean()) {
      throw new IllegalArgumentException(report.describe(expected, tensors));
    }
    Map<String, WeightTensor> ordered = new LinkedHashMap<>();
    for (String name : expected.keySet()) {
      ordered.put(name, tensors.get(name));
    }
    return Collections.unmodifiableMap(ordered);
  }

  /** True when every expected tensor is present with its shape and nothing else is. */
  public boolean isClean() {
    return missing.isEmpty() && unexpected.isEmpty() && wrongShapes.isEmpty();
  }

  /** The report as text: a summary line, then one line per problem. */
  @Override
  public String toString() {
    return describe(Map.of(), Map.of());
  }

  /**
   * The report as text, with the shapes of missing and unexpected tensors taken from the maps the
   * report was computed from.
   */
  public String describe(Map<String, long[]> expected, Map<String, WeightTensor> tensors) {
    if (isClean()) {
      return "weights match the model";
    }
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "weights do not match the model: %d missing, %d unexpected, %d with the wrong"
                    + " shape",
                missing.size(),
                unexpected.size(),
                wrongShapes.size()));
    for (String name : missing) {
      long[] shape = expected.get(name);
      b.append("\n  missing: ")
          .append(name)
          .append(shape == null ? "" : " " + Arrays.toString(shape));
    }
    for (String name : unexpected) {
      WeightTensor t = tensors.get(name);
      b.append("\n  unexpected: ")
          .append(name)
          .append(t == null ? "" : " " + Arrays.toString(t.shape()));
    }
    for (ShapeMismatch m : wrongShapes) {
      b.append("\n  wrong shape: ").append(m);
    }
    return b.toString();
  }
}
