package io.recformer.bench.paper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recformer.bench.paper.GridPlan.Table;
import io.recformer.core.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The grid runner against {@link FakeTool}: expansion, skipping, resuming, failures, cell.json. */
class PaperGridTest {

  @TempDir Path dir;

  /** A configuration of the given domains; baselines and ablation rows as given. */
  static String yaml(
      List<String> domains, String seeds, String baselines, int ablationSeeds, String variants) {
    StringBuilder y = new StringBuilder();
    y.append("output: out\nruns: runs\nsittingHours: 3\nseeds: ").append(seeds).append('\n');
    y.append(
        """
        recformer:
          init: minilm
          backbone: all-MiniLM-L6-v2
          maxTokens: 64
          pooling: CLS
          pretrain: {batchSize: 16, maxSteps: 100}
          finetune: {samplesPerEpoch: 400, validationUsers: 100, epochs: 3, stage2Epochs: 1, stage1Minutes: 10, stage2Minutes: 5}
        domains:
        """);
    for (String d : domains) {
      y.append("  ").append(d).append(":\n    data: data/").append(d);
      y.append("\n    users: 1000\n    items: 500\n    interactions: 8000\n");
    }
    y.append("baselines:\n").append(baselines);
    y.append("ablation:\n  seeds: ").append(ablationSeeds).append("\n  variants: ");
    y.append(variants).append('\n');
    y.append(
        """
        rates:
          pretrainPairsPerSecond: 2
          finetuneSamplesPerSecond: 12
          encodeItemsPerSecond: 70
          evaluateUsersPerSecond: 35
          baselineTargetsPerSecond: {sasrec: 500}
          baselineEpochs: {sasrec: 60}
          textItemsPerSecond: 60
          scoresPerSecond: 2.0e8
        """);
    return y.toString();
  }

  private PaperConfig config(String yaml) throws Exception {
    Path file = dir.resolve("paper.yaml");
    Files.writeString(file, yaml);
    return PaperConfig.read(file, dir);
  }

  private static List<String> ids(List<GridCell> cells) {
    List<String> out = new ArrayList<>();
    cells.forEach(c -> out.add(c.id()));
    return out;
  }

  private static final String ALL_VARIANTS =
      "[Original, Fix, Variable, Training-only, Fine-tuning-only, stage2-trainable-matrix]";

  @Test
  void expandsEachTableWithSharedPretrainingOnTheOtherDomainsOnly() throws Exception {
    PaperConfig cfg =
        config(
            yaml(
                List.of("scientific", "office", "games"),
                "[1, 2, 3]",
                "  popularity: {seeds: 1}\n  sasrec: {seeds: 3}\n",
                1,
                ALL_VARIANTS));
    GridPlan plan = new GridPlan(cfg);
    List<GridCell> overall = plan.cells(List.of(Table.OVERALL));
    // 3 pre-trainings, then per domain 3 Recformer seeds, 1 popularity, 3 SASRec.
    assertEquals(3 + 3 * (3 + 1 + 3), overall.size());
    assertEquals(
        List.of("pretrain/scientific", "pretrain/office", "pretrain/games"),
        ids(overall).subList(0, 3));
    GridCell pre = overall.get(0);
    assertEquals(List.of(dir.resolve("data/office"), dir.resolve("data/games")), pre.data());
    GridCell ft = overall.get(3);
    assertEquals("overall/scientific/recformer/seed1", ft.id());
    assertEquals(List.of("pretrain/scientific"), ft.dependsOn());
    assertEquals("BOTH_STAGES", ft.settings().get("variant"));

    List<GridCell> ablation = plan.cells(List.of(Table.ABLATION));
    // The Original row is the overall cell of seed 1 (shared), the 5 others are new.
    assertEquals(3 + 3 * (1 + 5), ablation.size());
    assertTrue(ids(ablation).contains("overall/games/recformer/seed1"));
    assertFalse(ids(ablation).contains("overall/games/recformer/seed2"));
    GridCell matrix =
        ablation.stream()
            .filter(c -> c.id().equals("ablation/office/stage2-trainable-matrix/seed1"))
            .findFirst()
            .orElseThrow();
    assertEquals("true", matrix.settings().get("stage2TrainsMatrix"));
    assertEquals("5", matrix.settings().get("stage2Minutes"), "a two-stage row keeps its split");
    assertEquals("3", matrix.settings().get("epochs"));
    assertEquals("1", matrix.settings().get("stage2Epochs"));
    assertEquals("4", matrix.settings().get("scheduleEpochs"), "one schedule over both stages");
    assertEquals("BOTH_STAGES", matrix.settings().get("variant"));
    GridCell fix =
        ablation.stream()
            .filter(c -> c.id().equals("ablation/office/fix/seed1"))
            .findFirst()
            .orElseThrow();
    // A one-stage variant gets both stages' epochs (3 + 1) and minutes (10 + 5): every row trains
    // on as many samples.
    assertEquals("4", fix.settings().get("epochs"));
    assertFalse(
        fix.settings().containsKey("scheduleEpochs"), "one stage: its epochs are the schedule");
    assertEquals("15", fix.settings().get("stage1Minutes"));
    assertEquals("0", fix.settings().get("stage2Minutes"));
    assertEquals(
        "STAGE1_ONLY",
        ablation.stream()
            .filter(c -> c.id().equals("ablation/office/training-only/seed1"))
            .findFirst()
            .orElseThrow()
            .settings()
            .get("variant"));

    List<GridCell> zeroShot = plan.cells(List.of(Table.ZERO_SHOT));
    assertEquals(3 + 3 * (1 + 3), zeroShot.size());
    List<GridCell> all = plan.cells(List.of(Table.values()));
    assertEquals(3 + 3 * (1 + 3 + 1 + 3 + 5), all.size(), "shared cells appear once");

    assertEquals(
        List.of(
            "overall/office/sasrec/seed1",
            "overall/office/sasrec/seed2",
            "overall/office/sasrec/seed3"),
        ids(GridPlan.only(overall, "overall/office/sasrec/*")));
    assertEquals(7, GridPlan.only(overall, "overall/games/**").size());
    assertEquals(List.of("pretrain/games"), ids(GridPlan.only(overall, "pretrain/games/**")));
    assertEquals(8, GridPlan.only(overall, "*/games/**").size());
    assertThrows(IllegalArgumentException.class, () -> GridPlan.only(overall, "nothing/*"));
  }

  @Test
  void refusesMinuteCapsBelowTheSampleBudget() throws Exception {
    // 40 epochs of 400 samples at 12 samples/s is over 22 minutes of training: caps of 10 + 5 stop
    // it early, and the budget would silently depend on the machine's speed.
    String tooLong =
        yaml(List.of("a", "b"), "[1]", "  popularity: {seeds: 1}\n", 1, "[Original]")
            .replace("epochs: 3,", "epochs: 40,");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new GridPlan(config(tooLong)).cells(List.of(Table.OVERALL)));
    assertTrue(e.getMessage().contains("41 epochs of 400 samples"), e.getMessage());
    assertTrue(e.getMessage().contains("safety limit"), e.getMessage());
  }

  @Test
  void aDomainsMeasuredFineTuningRateReplacesTheSharedOneInItsEstimate() throws Exception {
    String shared = yaml(List.of("a", "b"), "[1]", "  popularity: {seeds: 1}\n", 1, "[Original]");
    String slowerB =
        shared.replace(
            "finetuneSamplesPerSecond: 12\n",
            "finetuneSamplesPerSecond: 12\n  finetuneSamplesPerSecondByDomain: {b: 6}\n");
    GridCell a = finetuneCell(config(shared), "a");
    GridCell b = finetuneCell(config(shared), "b");
    assertEquals(a.estimatedSeconds(), b.estimatedSeconds(), 1e-9);
    // 4 epochs of 400 samples: 1,600 samples at 6/s instead of 12/s add 1,600 / 12 seconds.
    GridCell slowB = finetuneCell(config(slowerB), "b");
    assertEquals(b.estimatedSeconds() + 1600 / 12.0, slowB.estimatedSeconds(), 1e-6);
    assertEquals(a.estimatedSeconds(), finetuneCell(config(slowerB), "a").estimatedSeconds(), 1e-9);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> config(slowerB.replace("{b: 6}", "{c: 6}")));
    assertTrue(e.getMessage().contains("not a domain of this grid"), e.getMessage());
  }

  private static GridCell finetuneCell(PaperConfig cfg, String domain) {
    return new GridPlan(cfg)
        .cells(List.of(Table.OVERALL)).stream()
            .filter(c -> c.id().equals("overall/" + domain + "/recformer/seed1"))
            .findFirst()
            .orElseThrow();
  }

  @Test
  void refusesSettingsThatTouchTest() throws Exception {
    String base = yaml(List.of("a", "b"), "[1]", "  popularity: {seeds: 1}\n", 1, "[Original]");
    IllegalArgumentException users =
        assertThrows(
            IllegalArgumentException.class,
            () -> config(base.replace("stage2Minutes: 5}", "stage2Minutes: 5, testUsers: 500}")));
    assertTrue(users.getMessage().contains("'testUsers' is not allowed"), users.getMessage());
    IllegalArgumentException maxUsers =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                config(
                    base.replace(
                        "popularity: {seeds: 1}",
                        "popularity: {seeds: 1, args: [--max-users, '100']}")));
    assertTrue(maxUsers.getMessage().contains("--max-users"), maxUsers.getMessage());
    IllegalArgumentException seeds =
        assertThrows(
            IllegalArgumentException.class,
            () -> config(base.replace("popularity: {seeds: 1}", "popularity: {seeds: 3}")));
    assertTrue(seeds.getMessage().contains("1 seeds listed"), seeds.getMessage());
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class, () -> config(base.replace("runs: runs", "rnus: x")));
    assertTrue(unknown.getMessage().contains("rnus: unknown key"), unknown.getMessage());
  }

  private PaperBenchmark benchmark(String table) {
    PaperBenchmark b = new PaperBenchmark();
    b.table = table;
    b.config = dir.resolve("paper.yaml");
    b.base = dir;
    b.toolCommand =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            FakeTool.class.getName());
    return b;
  }

  private PaperBenchmark benchmark(String table, String only, double hours) {
    PaperBenchmark b = benchmark(table);
    b.only = only;
    b.hours = hours;
    return b;
  }

  private Path cellDir(PaperConfig cfg, String id) {
    return GridCell.directory(cfg.runs(), id);
  }

  private static List<String> calls(Path cell) throws Exception {
    Path file = cell.resolve("calls.txt");
    return Files.exists(file) ? Files.readAllLines(file) : List.of();
  }

  @Test
  void runsTheGridThenSkipsDoneCells() throws Exception {
    PaperConfig cfg =
        config(
            yaml(List.of("a", "b"), "[1, 2]", "  popularity: {seeds: 1}\n", 1, "[Original, Fix]"));
    assertEquals(0, benchmark("all").call());
    List<GridCell> cells = new GridPlan(cfg).cells(List.of(Table.values()));
    assertEquals(2 + 2 * (1 + 2 + 1 + 1), cells.size());
    for (GridCell c : cells) {
      CellRecord r = CellRecord.read(cellDir(cfg, c.id()).resolve(CellRecord.FILE));
      assertEquals(CellRecord.DONE, r.status, c.id() + ": " + r.note);
      assertEquals(1, calls(cellDir(cfg, c.id())).size(), c.id());
    }
    CellRecord ft =
        CellRecord.read(cellDir(cfg, "overall/a/recformer/seed2").resolve(CellRecord.FILE));
    String line = String.join(" ", ft.command);
    assertTrue(line.contains("finetune " + dir.resolve("data/a")), line);
    assertTrue(
        line.contains("--init " + cellDir(cfg, "pretrain/a").resolve("run").resolve("best")), line);
    assertTrue(line.contains("--set zeroShotTest=false --set testUsers=0"), line);
    assertTrue(line.contains("--seed 2"), line);
    assertEquals(0.07, ft.test.get("NDCG@10"), 1e-12); // FakeTool: 0.05 + 0.01 x seed
    assertEquals(0.072, ft.validationValue, 1e-12);
    assertEquals(40, ft.testUsers);
    assertEquals("BOTH_STAGES", ft.model.get("variant"));
    assertEquals("64", ft.model.get("maxTokens"));
    CellRecord pre = CellRecord.read(cellDir(cfg, "pretrain/a").resolve(CellRecord.FILE));
    String preLine = String.join(" ", pre.command);
    assertTrue(preLine.contains("pretrain " + dir.resolve("data/b") + " --out"), preLine);
    assertFalse(preLine.contains(dir.resolve("data/a").toString()), "never the target: " + preLine);
    CellRecord zs = CellRecord.read(cellDir(cfg, "zero-shot/b").resolve(CellRecord.FILE));
    assertEquals(0.03, zs.test.get("NDCG@10"), 1e-12);
    assertEquals(0.4, zs.validationValue, 1e-12);

    String overall = Files.readString(cfg.output().resolve("overall.md"));
    assertTrue(overall.contains("| a | popularity | 1 | 0.0200 [± 0.0071] |"), overall);
    assertTrue(overall.contains(PaperTables.OFFLINE), overall);
    assertTrue(Files.size(cfg.output().resolve("overall.png")) > 1000);
    String zeroShot = Files.readString(cfg.output().resolve("zero-shot.md"));
    // zero-shot 0.03 against the fine-tuned mean (0.06 + 0.07) / 2 = 0.065: 46%.
    assertTrue(zeroShot.contains("| a | 0.0300 / 0.0650 ± 0.0071 = 46% |"), zeroShot);

    // A second sitting runs nothing.
    assertEquals(0, benchmark("all").call());
    for (GridCell c : cells) {
      assertEquals(1, calls(cellDir(cfg, c.id())).size(), c.id() + " ran again");
    }
  }

  @Test
  void aChangedBudgetRerunsTheCellAndEveryCellThatStartedFromIt() throws Exception {
    String yaml = yaml(List.of("a", "b"), "[1]", "  popularity: {seeds: 1}\n", 1, "[Original]");
    config(yaml);
    assertEquals(0, benchmark("overall").call());
    PaperConfig cfg = config(yaml.replace("maxSteps: 100", "maxSteps: 120"));
    Path ft = cellDir(cfg, "overall/a/recformer/seed1");
    assertEquals(1, calls(ft).size());

    // The tables leave the stale cells out until they have run again.
    PaperBenchmark report = benchmark("overall");
    report.reportOnly = true;
    assertEquals(0, report.call());
    PaperTables tables = new PaperTables(new GridPlan(cfg));
    List<GridCell> cells = new GridPlan(cfg).cells(List.of(Table.OVERALL));
    assertEquals(
        List.of("overall/a/popularity/seed1", "overall/b/popularity/seed1"),
        List.copyOf(tables.doneCells(cells).keySet()));

    assertEquals(0, benchmark("overall").call());
    assertEquals(2, calls(cellDir(cfg, "pretrain/a")).size(), "new budget");
    assertEquals(2, calls(ft).size(), "started from the old pre-training");
    assertEquals(1, calls(cellDir(cfg, "overall/a/popularity/seed1")).size(), "unchanged");
    assertEquals(cells.size(), tables.doneCells(cells).size());
  }

  @Test
  void aFreshCloneContinuesFromTheCommittedArchive() throws Exception {
    PaperConfig cfg =
        config(yaml(List.of("a", "b"), "[1]", "  popularity: {seeds: 1}\n", 1, "[Original]"));
    assertEquals(0, benchmark("overall", "pretrain/**", 1).call());
    Path archived = GridCell.directory(cfg.archive(), "pretrain/a");
    assertEquals(CellRecord.DONE, CellRecord.read(archived.resolve(CellRecord.FILE)).status);
    assertTrue(Files.isRegularFile(archived.resolve("child.log")));
    assertTrue(Files.isRegularFile(archived.resolve("run/report.json")));
    assertTrue(Files.isRegularFile(archived.resolve("run/best/manifest.json")));
    assertFalse(Files.exists(archived.resolve("run/state.json")), "only reports, not run state");

    // A fresh clone has the archive (committed) but no run directory.
    AtomicFiles.deleteRecursively(cfg.runs());
    assertEquals(0, benchmark("all").call());
    Path pre = cellDir(cfg, "pretrain/a");
    assertEquals(List.of(), calls(pre), "pre-training restored, not run again");
    assertTrue(Files.isRegularFile(pre.resolve("run/best/manifest.json")));
    CellRecord ft =
        CellRecord.read(cellDir(cfg, "overall/a/recformer/seed1").resolve(CellRecord.FILE));
    assertEquals(CellRecord.DONE, ft.status, ft.note);
    assertTrue(
        String.join(" ", ft.command).contains("--init " + pre.resolve("run").resolve("best")));
    for (GridCell c : new GridPlan(cfg).cells(List.of(Table.values()))) {
      assertTrue(
          CellRecord.find(GridCell.directory(cfg.archive(), c.id())).orElseThrow().done(),
          c.id() + " archived");
    }

    // A done cell missing from the archive (done before the archive existed) is archived by the
    // next sitting, whatever --only selects.
    AtomicFiles.deleteRecursively(archived);
    PaperBenchmark report = benchmark("all", "zero-shot/**", 1);
    report.reportOnly = true;
    assertEquals(0, report.call());
    assertTrue(Files.isRegularFile(archived.resolve("run/best/manifest.json")));
  }

  @Test
  void resumesACellStoppedAtTheSittingsDeadline() throws Exception {
    PaperConfig cfg =
        config(yaml(List.of("a", "b"), "[1]", "  popularity: {seeds: 1}\n", 1, "[Original]"));
    Path cell = cellDir(cfg, "pretrain/a");
    FakeTool.touch(cell.resolve("hang"));
    // A sitting of 3 seconds: the fake writes its checkpoint and hangs; the runner stops it.
    assertEquals(0, benchmark("overall", "pretrain/a", 3.0 / 3600).call());
    CellRecord stopped = CellRecord.read(cell.resolve(CellRecord.FILE));
    assertEquals(CellRecord.INTERRUPTED, stopped.status);
    assertEquals(1, stopped.sittings);
    assertTrue(stopped.wallSeconds >= 1.0, "ran until the deadline: " + stopped.wallSeconds);

    assertEquals(0, benchmark("overall", "pretrain/a", 1).call());
    CellRecord done = CellRecord.read(cell.resolve(CellRecord.FILE));
    assertEquals(CellRecord.DONE, done.status);
    assertEquals(2, done.sittings);
    assertEquals(2, done.commands.size());
    List<String> calls = calls(cell);
    assertEquals(2, calls.size());
    assertTrue(
        calls.get(1).startsWith("pretrain " + dir.resolve("data/b") + " --resume "), calls.get(1));
  }

  @Test
  void aRunnerKilledMidCellResumesFromTheCheckpointItLeft() throws Exception {
    PaperConfig cfg =
        config(yaml(List.of("a", "b"), "[1]", "  popularity: {seeds: 1}\n", 1, "[Original]"));
    GridCell cell = new GridPlan(cfg).cells(List.of(Table.OVERALL)).get(0);
    Path d = cell.directory(cfg.runs());
    // What a killed runner leaves: cell.json saying running, a run with a checkpoint.
    CellRecord left = new CellRecord();
    left.id = cell.id();
    left.status = CellRecord.RUNNING;
    left.sittings = 1;
    left.write(d);
    FakeTool.touch(d.resolve("run").resolve("state.json"));
    assertEquals(0, benchmark("overall", "pretrain/a", 1).call());
    assertTrue(calls(d).get(0).contains("--resume"), calls(d).toString());
    assertEquals(CellRecord.DONE, CellRecord.read(d.resolve(CellRecord.FILE)).status);
  }

  @Test
  void recordsAFailedChildAndWaitsForDependencies() throws Exception {
    PaperConfig cfg =
        config(yaml(List.of("a", "b"), "[1]", "  popularity: {seeds: 1}\n", 1, "[Original]"));
    Path pre = cellDir(cfg, "pretrain/a");
    FakeTool.touch(pre.resolve("fail"));
    assertEquals(0, benchmark("overall", "*/a/**", 1).call());
    CellRecord failed = CellRecord.read(pre.resolve(CellRecord.FILE));
    assertEquals(CellRecord.FAILED, failed.status);
    assertEquals(1, failed.exitCode);
    assertTrue(failed.note.contains("exit code 1"), failed.note);
    // The fine-tuning cell waits for its pre-training and is not started at all.
    assertFalse(Files.exists(cellDir(cfg, "overall/a/recformer/seed1")));
    // The baseline does not depend on it and ran.
    assertEquals(
        CellRecord.DONE,
        CellRecord.read(cellDir(cfg, "overall/a/popularity/seed1").resolve(CellRecord.FILE))
            .status);
    Files.delete(pre.resolve("fail"));
    assertEquals(0, benchmark("overall", "*/a/**", 1).call());
    assertEquals(
        CellRecord.DONE,
        CellRecord.read(cellDir(cfg, "overall/a/recformer/seed1").resolve(CellRecord.FILE)).status);
  }

  @Test
  void cellJsonIsReplacedAtomically() throws Exception {
    CellRecord r = new CellRecord();
    r.id = "x";
    for (int i = 0; i < 200; i++) {
      r.budget.put("key" + i, "a long value to make the file span several writes " + i);
    }
    r.write(dir);
    AtomicReference<Throwable> error = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < 300; i++) {
                  assertEquals(200, CellRecord.read(dir.resolve(CellRecord.FILE)).budget.size());
                }
              } catch (Throwable t) {
                error.set(t);
              }
            });
    reader.start();
    for (int i = 0; i < 300; i++) {
      r.note = "write " + i;
      r.write(dir);
    }
    reader.join();
    if (error.get() != null) {
      throw new AssertionError("a reader saw a partial cell.json", error.get());
    }
    try (var files = Files.list(dir)) {
      assertEquals(List.of(dir.resolve(CellRecord.FILE)), files.toList(), "no temporary left");
    }
  }

  @Test
  void dryRunListsCostsAndFlagsCellsTooLongForASitting() throws Exception {
    PaperConfig cfg =
        config(
            yaml(List.of("a", "b"), "[1]", "  popularity: {seeds: 1}\n", 1, "[Original]")
                .replace("maxSteps: 100", "maxSteps: 20000"));
    String text = PaperBenchmark.dryRunText(cfg, new GridPlan(cfg).cells(List.of(Table.OVERALL)));
    // 20,000 steps x 16 pairs / 2 pairs/s x 1.1 = 48.9 h: nine pieces of 2.25 h.
    assertTrue(text.contains("| pretrain/a |  | 48.9"), text);
    assertTrue(text.contains("in 22 resumable pieces"), text);
    assertTrue(text.contains("6 cells, estimated"), text);
  }
}
