package io.recformer.bench.jmh;

import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the bundled Scientific data for the benchmarks: the system property {@code recformer.data}
 * if set, else {@code data/amazon-scientific-unisrec} under {@code recformer.repo.root} or under
 * the working directory or one of its parents (JMH forks start in the launching directory).
 */
final class BenchData {

  static final String PROPERTY = "recformer.data";
  private static final String RELATIVE = "data/amazon-scientific-unisrec";

  private BenchData() {}

  static Path scientificDirectory() {
    String explicit = System.getProperty(PROPERTY);
    if (explicit != null) {
      return Path.of(explicit);
    }
    String root = System.getProperty("recformer.repo.root");
    if (root != null && Files.isDirectory(Path.of(root, RELATIVE))) {
      return Path.of(root, RELATIVE);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve(RELATIVE))) {
        return dir.resolve(RELATIVE);
      }
    }
    throw new IllegalStateException(
        "cannot find "
            + RELATIVE
            + " from "
            + Path.of("").toAbsolutePath()
            + ": run from the repository or pass -D"
            + PROPERTY
            + "=<dataset directory>");
  }

  static Dataset scientific() {
    try {
      return Datasets.open(scientificDirectory());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
