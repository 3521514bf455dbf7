package io.recformer.bench.paper;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cell's {@code cell.json}: what ran (command, commit, seed, budget), how long, its status and,
 * once done, its metrics. Written atomically (temporary file, then move) at every status change, so
 * a killed runner leaves the previous complete version. Field names are the file's keys.
 */
@SuppressWarnings("MemberName") // public fields are the JSON schema of cell.json
public final class CellRecord {

  /** Format version of cell.json. */
  public static final int FORMAT_VERSION = 1;

  /** The file name in a cell's directory. */
  public static final String FILE = "cell.json";

  public static final String PENDING = "pending";
  public static final String RUNNING = "running";
  public static final String INTERRUPTED = "interrupted";
  public static final String DONE = "done";
  public static final String FAILED = "failed";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public int formatVersion = FORMAT_VERSION;
  public String id;
  public String kind;
  public String domain;
  public String row;
  public long seed;
  public String status = PENDING;

  /** Why the status is what it is (exit code, the log to read, what was resumed). */
  public String note = "";

  public List<String> command = new ArrayList<>();

  /** Every command line this cell ran, in order (a resumed cell has more than one). */
  public List<List<String>> commands = new ArrayList<>();

  public String commit;
  public Map<String, String> budget = new LinkedHashMap<>();
  public List<String> args = new ArrayList<>();
  public List<String> dependsOn = new ArrayList<>();
  public double estimatedSeconds;

  /** Wall time summed over every sitting this cell ran in. */
  public double wallSeconds;

  public int sittings;
  public String startedAt;
  public String finishedAt;
  public Integer exitCode;

  /** Test metrics of the cell's final model (name to per-user mean); empty until done. */
  public Map<String, Double> test = new LinkedHashMap<>();

  public Map<String, Double> testStandardErrors = new LinkedHashMap<>();
  public Integer testUsers;

  /** The validation number that chose the final model, and what it is. */
  public String validationMetric;

  public Double validationValue;
  public String tiePolicy;
  public String historyPolicy;

  /** Backbone, max tokens, pooling, variant of a Recformer cell. */
  public Map<String, String> model = new LinkedHashMap<>();

  public static CellRecord read(Path file) throws IOException {
    try {
      return JSON.readValue(file.toFile(), CellRecord.class);
    } catch (IOException e) {
      throw new IOException(file + ": not a readable cell.json: " + e.getMessage(), e);
    }
  }

  /** The record in {@code directory}, or empty if the cell never started. */
  public static Optional<CellRecord> find(Path directory) throws IOException {
    Path file = directory.resolve(FILE);
    return Files.isRegularFile(file) ? Optional.of(read(file)) : Optional.empty();
  }

  public void write(Path directory) throws IOException {
    Files.createDirectories(directory);
    AtomicFiles.writeString(directory.resolve(FILE), JSON.writeValueAsString(this) + "\n");
  }

  public boolean done() {
    return DONE.equals(status);
  }

  /**
   * Why this done record no longer stands for {@code cell}, or empty when it does: it ran with
   * other settings or arguments than the configuration gives now, or a cell it started from is not
   * done, is stale itself, or finished again after it had started (a re-run pre-training makes
   * every run from it stale).
   *
   * @param runs the grid's run directory, where the dependencies' records are
   * @param plan the grid's cells by id, for the dependencies' settings
   */
  public Optional<String> staleReason(GridCell cell, Path runs, Map<String, GridCell> plan)
      throws IOException {
    if (!budget.equals(cell.settings()) || !args.equals(cell.args())) {
      return Optional.of(
          "it ran with settings "
              + budget
              + " "
              + args
              + ", the configuration now gives "
              + cell.settings()
              + " "
              + cell.args());
    }
    for (String dep : cell.dependsOn()) {
      Optional<CellRecord> d = find(GridCell.directory(runs, dep));
      if (d.isEmpty() || !d.get().done()) {
        return Optional.of("the cell it started from, " + dep + ", is not done");
      }
      GridCell depCell = plan.get(dep);
      if (depCell != null && d.get().staleReason(depCell, runs, plan).isPresent()) {
        return Optional.of("the cell it started from, " + dep + ", is stale");
      }
      if (startedAt != null
          && d.get().finishedAt != null
          && Instant.parse(d.get().finishedAt).isAfter(Instant.parse(startedAt))) {
        return Optional.of(dep + " finished again after this cell had started");
      }
    }
    return Optional.empty();
  }
}
