package io.recformer.infer.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recformer.core.item.Item;
import io.recformer.infer.index.OpenOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: a child JVM adds items to a catalog directory (and in one mode checkpoints it)
 * until it is killed with SIGKILL at a random moment; reopening must succeed and hold every item
 * whose addition the child acknowledged, with its exact text and vector. A few runs are in the
 * default suite; many more with -Drecformer.slow=true.
 */
class CatalogKillTest {

  @TempDir Path temp;

  @Test
  void killedWhileAddingOrCheckpointingLosesNothingAcknowledged() throws Exception {
    killRuns(temp.resolve("catalog"), 4, 11);
  }

  @Test
  @EnabledIfSystemProperty(named = "recformer.slow", matches = "true")
  void manyRandomKillsLoseNothingAcknowledged() throws Exception {
    killRuns(temp.resolve("catalog"), 40, 12);
  }

  private static void killRuns(Path dir, int runs, long seed) throws Exception {
    List<Item> base = Fixtures.items("base-", 50);
    Catalog.create(dir, Fixtures.store(base), Fixtures.index(base)).close();
    SplittableRandom random = new SplittableRandom(seed);
    List<String> acknowledged = new ArrayList<>();
    for (int run = 0; run < runs; run++) {
      String mode = run % 2 == 0 ? "add" : "checkpoint";
      int killAfter = 1 + random.nextInt(40);
      acknowledged.addAll(runAndKill(dir, mode, "r" + run, random.nextLong(), killAfter, random));
      try (Catalog reopened = Catalog.open(dir, OpenOptions.DEFAULTS)) {
        assertThat(reopened.size())
            .as("run %d (%s)", run, mode)
            .isGreaterThanOrEqualTo(base.size() + acknowledged.size());
        for (String id : acknowledged) {
          assertIntact(reopened, id);
        }
        for (Item item : base) {
          assertIntact(reopened, item.id());
        }
        reopened.verify();
      }
    }
    assertThat(acknowledged).isNotEmpty();
  }

  private static void assertIntact(Catalog catalog, String id) {
    assertThat(catalog.item(id)).as(id).contains(Fixtures.item(id));
    int row = catalog.index().rowOf(id).orElseThrow();
    assertThat(Fixtures.cosine(catalog.index().vector(row), Fixtures.vector(id)))
        .as(id)
        .isCloseTo(1.0, within(1e-6));
    assertThat(catalog.index().textFingerprint(row))
        .isEqualTo(TextFingerprint.of(Fixtures.item(id), Fixtures.MAX_ATTRIBUTES));
  }

  /** Starts a child, kills it with SIGKILL after some acknowledgements; returns the acked ids. */
  private static List<String> runAndKill(
      Path dir, String mode, String run, long seed, int killAfter, SplittableRandom random)
      throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(
            java.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "-Xmx256m",
            CatalogCrashChild.class.getName(),
            dir.toString(),
            mode,
            run,
            Long.toString(seed));
    Path log = dir.resolveSibling("child-" + run + ".log");
    builder.redirectError(log.toFile());
    Process child = builder.start();
    List<String> acked = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      int acks = 0;
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("ack ")) {
          acked.addAll(List.of(line.substring(4).split(" ", -1)));
          if (++acks >= killAfter) {
            // Land anywhere in the next addition or checkpoint, not only between them.
            Thread.sleep(random.nextInt(15));
            break;
          }
        }
      }
      child.destroyForcibly(); // SIGKILL on Linux and macOS
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(acks(acked, log)).isPositive();
    return acked;
  }

  private static int acks(List<String> acked, Path log) throws IOException {
    if (acked.isEmpty()) {
      throw new AssertionError("child acknowledged nothing; its log:\n" + Files.readString(log));
    }
    return acked.size();
  }
}
