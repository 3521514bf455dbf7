package io.recformer.bench.paper;

import io.recformer.core.format.Provenance;
import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs cells as child processes of the {@code recformer} tool, one at a time, recording each in its
 * {@code cell.json}. A done cell is skipped; an interrupted pre-training or fine-tuning run (its
 * {@code state.json} is there, its report is not) continues with {@code --resume}; a cell that
 * cannot resume starts over in a clean directory. At the sitting's deadline the running child gets
 * SIGTERM (the tool stops at a step boundary and saves), and the cell is marked interrupted. A done
 * cell is copied into the committed archive ({@link CellArchive}).
 */
public final class CellRunner {

  private static final Logger LOG = LoggerFactory.getLogger(CellRunner.class);

  /** How long a child may take to stop after SIGTERM before it is killed. */
  static final Duration STOP_GRACE = Duration.ofMinutes(2);

  private final PaperConfig config;
  private final List<String> tool;
  private final Instant deadline;
  private final String commit;
  private final long minimumStartSeconds;
  private final CellArchive archive;
  private final Map<String, GridCell> plan;

  /** No cell starts with less time left than this (or a tenth of a shorter sitting). */
  static final Duration MINIMUM_START = Duration.ofMinutes(10);

  /**
   * @param tool the command that runs the tool ({@code java ... RecformerCli} or a launcher)
   * @param deadline when this sitting ends
   * @param plan every cell of the grid by id ({@link GridPlan#byId}), to tell stale results
   */
  public CellRunner(
      PaperConfig config, List<String> tool, Instant deadline, Map<String, GridCell> plan) {
    this.config = config;
    this.plan = plan;
    this.tool = List.copyOf(tool);
    this.deadline = deadline;
    long sitting = Math.max(0, Duration.between(Instant.now(), deadline).toSeconds());
    this.minimumStartSeconds = Math.min(MINIMUM_START.toSeconds(), sitting / 10);
    this.commit = Provenance.capture("none", 0, Map.of()).gitCommit();
    this.archive = new CellArchive(config.archive(), config.runs());
  }

  /** What happened to a cell in this sitting. */
  public enum Outcome {
    SKIPPED_DONE,
    DONE,
    INTERRUPTED,
    FAILED,
    BLOCKED,
    DEFERRED
  }

  /** The run directory of a cell (the child's {@code --out}). */
  Path runDirectory(GridCell cell) {
    return cell.directory(config.runs()).resolve("run");
  }

  /** Runs one cell (or skips it); never throws for a child's failure, only records it. */
  public Outcome run(GridCell cell) throws IOException, InterruptedException {
    Path dir = cell.directory(config.runs());
    CellRecord record = CellRecord.find(dir).orElseGet(() -> fresh(cell));
    if (record.done()) {
      Optional<String> stale = record.staleReason(cell, config.runs(), plan);
      if (stale.isEmpty()) {
        LOG.info("{}: done earlier, skipped", cell.id());
        return Outcome.SKIPPED_DONE;
      }
      LOG.warn("{}: its result is stale ({}); running it again", cell.id(), stale.get());
      AtomicFiles.deleteRecursively(runDirectory(cell));
      record = fresh(cell);
    }
    for (String dep : cell.dependsOn()) {
      Path depDir = GridCell.directory(config.runs(), dep);
      if (!CellRecord.find(depDir).map(CellRecord::done).orElse(false)) {
        LOG.info("{}: waits for {}", cell.id(), dep);
        return Outcome.BLOCKED;
      }
    }
    Path run = runDirectory(cell);
    boolean resultThere = CellMetrics.finished(cell.kind(), run);
    long left = Duration.between(Instant.now(), deadline).toSeconds();
    if (!resultThere && !cell.kind().resumable() && cell.estimatedSeconds() > left) {
      LOG.info(
          "{}: estimated {} min, {} min left in this sitting: deferred",
          cell.id(),
          Math.round(cell.estimatedSeconds() / 60),
          left / 60);
      return Outcome.DEFERRED;
    }
    // A resumable cell may start with less time than it needs (it stops and resumes), but not in
    // the last minutes, where it would be stopped before saving its first checkpoint.
    if (!resultThere && left < minimumStartSeconds && cell.estimatedSeconds() > left) {
      LOG.info("{}: only {} s left in this sitting: deferred", cell.id(), left);
      return Outcome.DEFERRED;
    }
    record.commit = commit;
    record.budget = cell.settings();
    record.args = cell.args();
    record.estimatedSeconds = cell.estimatedSeconds();
    if (!resultThere) {
      boolean resume = cell.kind().resumable() && Files.isRegularFile(run.resolve("state.json"));
      if (!resume && Files.exists(run)) {
        // A partial run that cannot continue (no completed checkpoint): start it over.
        AtomicFiles.deleteRecursively(run);
      }
      List<String> command = resume ? resumeCommand(cell, run) : command(cell, run);
      record.command = command;
      record.commands.add(command);
      record.status = CellRecord.RUNNING;
      record.note = resume ? "resumed from its last checkpoint" : "";
      record.sittings++;
      if (record.startedAt == null) {
        record.startedAt = Instant.now().toString();
      }
      record.write(dir);
      LOG.info("{}: {}", cell.id(), String.join(" ", command));
      Outcome outcome = execute(cell, command, dir, record);
      if (outcome != null) {
        return outcome;
      }
    }
    try {
      Path pretrain = runDirectory(pretrainCell(cell));
      CellMetrics.read(cell.kind(), run, pretrain, record);
    } catch (IOException e) {
      record.status = CellRecord.FAILED;
      record.note = "finished but its results could not be read: " + e.getMessage();
      record.write(dir);
      LOG.error("{}: {}", cell.id(), record.note);
      return Outcome.FAILED;
    }
    record.status = CellRecord.DONE;
    record.note = "";
    record.finishedAt = Instant.now().toString();
    record.write(dir);
    archive.save(cell, record);
    LOG.info(
        "{}: done in {} min (all sittings); test {}",
        cell.id(),
        String.format(Locale.ROOT, "%.1f", record.wallSeconds / 60),
        record.test);
    return Outcome.DONE;
  }

  private GridCell pretrainCell(GridCell cell) {
    return new GridCell(
        GridPlan.pretrainId(cell.domain()),
        GridCell.Kind.PRETRAIN,
        cell.domain(),
        "pretrain",
        0,
        List.of(),
        List.of(),
        Map.of(),
        List.of(),
        0);
  }

  /** Runs the child; null when it exited 0, else the outcome already recorded. */
  private Outcome execute(GridCell cell, List<String> command, Path dir, CellRecord record)
      throws IOException, InterruptedException {
    Path log = dir.resolve("child.log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("OPT_OUT_TRACKING", "true");
    builder.environment().put("DJL_OFFLINE", "true");
    long start = System.nanoTime();
    Process process = builder.start();
    long wait = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
    boolean finished = process.waitFor(wait, TimeUnit.MILLISECONDS);
    if (!finished) {
      LOG.warn("{}: the sitting's deadline has come; asking the child to stop", cell.id());
      process.destroy(); // SIGTERM: the tool checkpoints at the next step boundary
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    }
    record.wallSeconds += (System.nanoTime() - start) / 1e9;
    record.exitCode = process.isAlive() ? null : process.exitValue();
    if (!finished) {
      record.status = CellRecord.INTERRUPTED;
      record.note =
          cell.kind().resumable()
              ? "stopped at the sitting's deadline; the next sitting resumes it"
              : "stopped at the sitting's deadline; the next sitting starts it over";
      record.write(dir);
      return Outcome.INTERRUPTED;
    }
    if (process.exitValue() != 0) {
      record.status = CellRecord.FAILED;
      record.note =
          String.format(
              Locale.ROOT,
              "exit code %d; see %s (the next sitting tries again%s)",
              process.exitValue(),
              log,
              cell.kind().resumable() ? ", resuming if a checkpoint was saved" : "");
      record.write(dir);
      LOG.error("{}: {}", cell.id(), record.note);
      return Outcome.FAILED;
    }
    return null;
  }

  /** The child's command line for a fresh start. */
  List<String> command(GridCell cell, Path run) {
    List<String> c = new ArrayList<>(tool);
    PaperConfig.Recformer rec = config.recformer();
    Path pretrained = runDirectory(pretrainCell(cell)).resolve("best");
    switch (cell.kind()) {
      case PRETRAIN -> {
        c.add("pretrain");
        cell.data().forEach(p -> c.add(p.toString()));
        c.addAll(List.of("--out", run.toString(), "--init", rec.init()));
        if (rec.pretrainConfig() != null) {
          c.addAll(List.of("--config", rec.pretrainConfig().toString()));
        }
        recformerModel(c, cell);
      }
      case FINETUNE -> {
        c.add("finetune");
        c.add(cell.data().get(0).toString());
        c.addAll(List.of("--out", run.toString(), "--init", pretrained.toString()));
        if (rec.finetuneConfig() != null) {
          c.addAll(List.of("--config", rec.finetuneConfig().toString()));
        }
        recformerModel(c, cell);
        // The zero-shot number is its own cell; test is scored once, on the chosen model, over
        // every test user (overriding whatever a config file says).
        c.addAll(List.of("--set", "zeroShotTest=false", "--set", "testUsers=0"));
      }
      case ZERO_SHOT -> {
        c.add("evaluate");
        c.add(cell.data().get(0).toString());
        c.addAll(List.of("--checkpoint", pretrained.toString(), "--split", "test"));
        c.addAll(List.of("--out", run.toString()));
        if (rec.finetuneConfig() != null) {
          c.addAll(List.of("--config", rec.finetuneConfig().toString()));
        }
        c.addAll(
            List.of("--max-tokens", Integer.toString(rec.maxTokens()), "--pooling", rec.pooling()));
      }
      case BASELINE -> {
        c.addAll(List.of("bench", "quality", "--data", cell.data().get(0).toString()));
        c.addAll(List.of("--models", cell.row(), "--seed", Long.toString(cell.seed())));
        c.addAll(List.of("--out", run.toString()));
        c.addAll(cell.args());
      }
    }
    return c;
  }

  private void recformerModel(List<String> c, GridCell cell) {
    c.addAll(List.of("--seed", Long.toString(cell.seed())));
    c.addAll(
        List.of(
            "--max-tokens",
            Integer.toString(config.recformer().maxTokens()),
            "--pooling",
            config.recformer().pooling()));
    cell.settings().forEach((k, v) -> c.addAll(List.of("--set", k + "=" + v)));
  }

  /** The child's command line continuing an interrupted run (its saved settings). */
  List<String> resumeCommand(GridCell cell, Path run) {
    List<String> c = new ArrayList<>(tool);
    c.add(cell.kind() == GridCell.Kind.PRETRAIN ? "pretrain" : "finetune");
    cell.data().forEach(p -> c.add(p.toString()));
    c.addAll(List.of("--resume", run.toString()));
    return c;
  }

  private CellRecord fresh(GridCell cell) {
    CellRecord r = new CellRecord();
    r.id = cell.id();
    r.kind = cell.kind().name();
    r.domain = cell.domain();
    r.row = cell.row();
    r.seed = cell.seed();
    r.dependsOn = cell.dependsOn();
    if (cell.kind() != GridCell.Kind.BASELINE) {
      r.model.put("backbone", config.recformer().backbone());
      r.model.put("maxTokens", Integer.toString(config.recformer().maxTokens()));
      r.model.put("pooling", config.recformer().pooling());
      r.model.put("variant", cell.settings().getOrDefault("variant", "none (zero-shot)"));
      cell.settings()
          .forEach(
              (k, v) -> {
                if (k.equals("stage2TrainsMatrix")) {
                  r.model.put(k, v);
                }
              });
    }
    return r;
  }
}
