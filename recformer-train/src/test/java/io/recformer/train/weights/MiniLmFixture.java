package io.recformer.train.weights;

import io.recformer.core.config.RecformerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 imported once per test JVM ({@link RecformerConfig#miniLmL6()}, seed {@link
 * #SEED}): parsing the 90 MB ONNX file takes seconds, and several test classes need it. The map is
 * unmodifiable; do not change the tensors' arrays.
 */
public final class MiniLmFixture {

  public static final long SEED = 7;

  private static Map<String, WeightTensor> imported;

  private MiniLmFixture() {}

  public static synchronized Map<String, WeightTensor> imported() {
    if (imported == null) {
      try {
        imported =
            Collections.unmodifiableMap(
                MiniLmImporter.importFromClasspath(RecformerConfig.miniLmL6(), SEED));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return imported;
  }
}
