package io.recformer.bench.paper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recformer.bench.paper.GridPlan.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The committed config/paper.yaml: it parses, and its budgets keep the promises of its header. */
class PaperConfigFileTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void theCommittedGridIsAboutThirtyHoursAndEveryCellFitsASitting() throws Exception {
    PaperConfig cfg = PaperConfig.read(ROOT.resolve("config/paper.yaml"), ROOT);
    List<GridCell> cells = new GridPlan(cfg).cells(List.of(Table.values()));
    double hours = 0;
    for (GridCell c : cells) {
      hours += c.estimatedSeconds() / 3600;
      assertTrue(
          c.estimatedSeconds() <= 0.75 * cfg.sittingHours() * 3600,
          c.id() + " is estimated at " + c.estimatedSeconds() / 3600 + " h");
      for (Path data : c.data()) {
        assertTrue(Files.isDirectory(data), c.id() + ": " + data + " is not bundled");
      }
    }
    assertTrue(hours > 25 && hours < 35, "the grid is estimated at " + hours + " h");
    // 3 pre-trainings, 3 zero-shot, 3 x (3 Recformer + 7 baseline + 5 ablation) cells.
    assertEquals(3 + 3 + 3 * (3 + 7 + 5), cells.size());
    for (GridCell c : cells) {
      if (c.kind() == GridCell.Kind.PRETRAIN) {
        assertFalse(
            c.data().contains(cfg.domains().get(c.domain()).data()),
            c.id() + " pre-trains on its own target");
      }
    }
  }
}
