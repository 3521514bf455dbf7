package io.recformer.bench.paper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.bench.paper.GridPlan.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tables against numbers worked out by hand from cell.json files written here. */
class PaperTablesTest {

  @TempDir Path dir;

  private PaperConfig cfg;

  private void done(String id, String row, long seed, double ndcg10) throws Exception {
    // A done record as the runner leaves it: the plan's settings, its pre-training done.
    GridCell cell = new GridPlan(cfg).byId().get(id);
    for (String dep : cell.dependsOn()) {
      if (CellRecord.find(GridCell.directory(cfg.runs(), dep)).isEmpty()) {
        done(dep, "pretrain", 1, 0);
      }
    }
    CellRecord r = new CellRecord();
    r.budget = cell.settings();
    r.args = cell.args();
    r.id = id;
    r.row = row;
    r.seed = seed;
    r.status = CellRecord.DONE;
    r.commit = "abc123";
    r.tiePolicy = "ORIGINAL";
    r.historyPolicy = "KEEP";
    for (String m : PaperTables.METRICS) {
      r.test.put(m, m.equals("NDCG@10") ? ndcg10 : 2 * ndcg10);
    }
    r.write(GridCell.directory(cfg.runs(), id));
  }

  @Test
  void meanAndSampleSdOverSeedsAndTheContributionRatio() throws Exception {
    Path file = dir.resolve("paper.yaml");
    Files.writeString(
        file,
        PaperGridTest.yaml(
            List.of("a", "b"),
            "[1, 2, 3]",
            "  popularity: {seeds: 1}\n  sasrec: {seeds: 3}\n",
            1,
            "[Original, Fix]"));
    cfg = PaperConfig.read(file, dir);
    // Recformer on a: 0.10, 0.12, 0.14 -> mean 0.12, sd sqrt((0.02^2 + 0 + 0.02^2) / 2) = 0.02.
    done("overall/a/recformer/seed1", "recformer", 1, 0.10);
    done("overall/a/recformer/seed2", "recformer", 2, 0.12);
    done("overall/a/recformer/seed3", "recformer", 3, 0.14);
    // SASRec on a: 0.05, 0.08, 0.11 -> mean 0.08, sd 0.03.
    done("overall/a/sasrec/seed1", "sasrec", 1, 0.05);
    done("overall/a/sasrec/seed2", "sasrec", 2, 0.08);
    done("overall/a/sasrec/seed3", "sasrec", 3, 0.11);
    done("overall/a/popularity/seed1", "popularity", 1, 0.01);
    done("zero-shot/a", "zero-shot", 1, 0.09);
    done("ablation/a/fix/seed1", "fix", 1, 0.07);
    // A cell that is not done never counts.
    CellRecord running = new CellRecord();
    running.id = "overall/b/recformer/seed1";
    running.status = CellRecord.RUNNING;
    running.test.put("NDCG@10", 9.0);
    running.write(GridCell.directory(cfg.runs(), running.id));

    PaperTables tables = new PaperTables(new GridPlan(cfg));
    List<PaperTables.Row> rows = tables.rows(Table.OVERALL);
    PaperTables.Row rec = rows.get(2);
    assertEquals("recformer", rec.key());
    assertEquals(0.12, rec.stats().get("NDCG@10").mean(), 1e-12);
    assertEquals(0.02, rec.stats().get("NDCG@10").sd(), 1e-12);
    assertEquals(0.04, rec.stats().get("Recall@10").sd(), 1e-12);
    assertEquals(0.03, rows.get(1).stats().get("NDCG@10").sd(), 1e-12);
    assertTrue(rows.get(5).cells().isEmpty(), "b's Recformer: the running cell does not count");

    tables.write(Table.OVERALL);
    tables.write(Table.ZERO_SHOT);
    tables.write(Table.ABLATION);
    String overall = Files.readString(cfg.output().resolve("overall.md"));
    assertTrue(overall.contains("| a | sasrec | 3 | 0.0800 ± 0.0300 |"), overall);
    assertTrue(overall.contains("| a | popularity | 1 | 0.0100 [± 0.0200] |"), overall);
    assertTrue(overall.contains("| 3 | 0.1200 ± 0.0200 | 0.2400 ± 0.0400 |"), overall);
    assertTrue(overall.contains("| b | popularity | 0 | — |"), overall);
    assertTrue(overall.contains("all-MiniLM-L6-v2, 64 tokens, CLS pooling"), overall);
    assertTrue(overall.contains("stage1Minutes=10"), overall);
    assertTrue(overall.contains("ORIGINAL ties, history KEEP"), overall);
    String zeroShot = Files.readString(cfg.output().resolve("zero-shot.md"));
    assertTrue(zeroShot.contains("| a | 0.0900 / 0.1200 ± 0.0200 = 75% |"), zeroShot);
    String ablation = Files.readString(cfg.output().resolve("ablation.md"));
    // Ablation: one seed, so Original is the overall cell of seed 1 (0.10), Fix is 0.07.
    assertTrue(ablation.contains("| a | Original — Recformer"), ablation);
    assertTrue(ablation.contains("| 1 | 0.1000 |"), ablation);
    assertTrue(ablation.contains("| 1 | 0.0700 |"), ablation);

    String csv = Files.readString(cfg.output().resolve("overall.csv"));
    assertTrue(csv.contains("a,sasrec,\"sasrec\",3,0.080000,0.030000,0.160000,0.060000"), csv);
    JsonNode json = new ObjectMapper().readTree(cfg.output().resolve("overall.json").toFile());
    JsonNode recJson = json.path("rows").get(2);
    assertEquals(0.12, recJson.path("metrics").path("NDCG@10").path("mean").asDouble(), 1e-12);
    assertEquals(3, recJson.path("cells").size());
    assertTrue(Files.size(cfg.output().resolve("ablation.png")) > 1000);
  }
}
