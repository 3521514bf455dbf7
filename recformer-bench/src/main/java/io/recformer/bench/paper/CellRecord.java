package io.recformer.bench.paper;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
