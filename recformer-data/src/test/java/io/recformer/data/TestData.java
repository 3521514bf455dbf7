package io.recformer.data;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's bundled real data (data/ at the repository root). */
public final class TestData {

  private TestData() {}

  public static Path repoRoot() {
    String root = System.getProperty("recformer.repo.root");
    Path path = root != null ? Path.of(root) : Path.of("..");
    if (!Files.isDirectory(path.resolve("data"))) {
      throw new IllegalStateException(
          "cannot find data/ under "
              + path.toAbsolutePath()
              + "; run the tests through Maven (it sets recformer.repo.root)");
    }
    return path;
  }

  public static Path unisrec() {
    return repoRoot().resolve("data/amazon-scientific-unisrec");
  }

  public static Path lcrec() {
    return repoRoot().resolve("data/amazon-scientific-lcrec");
  }

  public static Path office() {
    return repoRoot().resolve("data/amazon-office-2014");
  }

  public static Path games() {
    return repoRoot().resolve("data/amazon-games-llmrank");
  }
}
