package io.recformer.bench.paper;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One cell of the paper grid: one run of the {@code recformer} tool in a child process.
 *
 * @param id unique, slash-separated ({@code overall/office/recformer/seed1}); also its directory
 * @param kind what the child runs
 * @param domain the target domain (for a pre-training cell: the domain it is pre-trained for)
 * @param row the table row it fills ({@code recformer}, a baseline key, an ablation key, ...)
 * @param seed the seed
 * @param dependsOn ids of the cells that must be done first
 * @param data the dataset directories the child reads (pre-training: the other domains)
 * @param settings the budget and settings passed as {@code --set key=value}
 * @param args further arguments (baselines)
 * @param estimatedSeconds estimated wall time on the 2-core machine
 */
public record GridCell(
    String id,
    Kind kind,
    String domain,
    String row,
    long seed,
    List<String> dependsOn,
    List<Path> data,
    Map<String, String> settings,
    List<String> args,
    double estimatedSeconds) {

  /** What a cell runs. */
  public enum Kind {
    /** {@code recformer pretrain <other domains...>}: resumable. */
    PRETRAIN(true),
    /** {@code recformer evaluate <target> --checkpoint <pre-trained> --split test}. */
    ZERO_SHOT(false),
    /** {@code recformer finetune <target> --init <pre-trained>}: resumable. */
    FINETUNE(true),
    /** {@code recformer bench quality --models <key>}. */
    BASELINE(false);

    private final boolean resumable;

    Kind(boolean resumable) {
      this.resumable = resumable;
    }

    public boolean resumable() {
      return resumable;
    }
  }

  public GridCell {
    dependsOn = List.copyOf(dependsOn);
    data = List.copyOf(data);
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    args = List.copyOf(args);
  }

  /** The cell's directory under the grid's run root. */
  public Path directory(Path runs) {
    return directory(runs, id);
  }

  /** The directory of the cell {@code id} under {@code runs}: one folder per id segment. */
  static Path directory(Path runs, String id) {
    Path dir = runs;
    int from = 0;
    while (from <= id.length()) {
      int slash = id.indexOf('/', from);
      int end = slash < 0 ? id.length() : slash;
      dir = dir.resolve(id.substring(from, end));
      from = end + 1;
    }
    return dir;
  }
}
