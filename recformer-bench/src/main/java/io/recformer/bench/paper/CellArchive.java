package io.recformer.bench.paper;

import io.recformer.core.io.AtomicFiles;
import io.recformer.train.checkpoint.BaseWeights;
import io.recformer.train.checkpoint.ModelSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed copy of every done cell ({@code docs/paper/cells/<cell id>/}), so the grid goes on
 * in a fresh clone: the run directory ({@code runs/paper}) holds checkpoints far too large for git
 * and is not committed. A done cell keeps its {@code cell.json}, {@code child.log} and its run's
 * small reports; a pre-training cell also keeps the model it chose ({@code run/best}) without the
 * tensors equal to MiniLM's ({@link BaseWeights}: frozen word embeddings are half the model),
 * because every other cell of its domain starts from it. {@link #sync} puts archived cells back
 * into the run directory before a sitting, where they count as done.
 */
final class CellArchive {

  private static final Logger LOG = LoggerFactory.getLogger(CellArchive.class);

  /** Run files kept: reports, curves and settings; never weights or resume state. */
  private static final List<String> KEPT_SUFFIXES = List.of(".json", ".csv", ".md", ".txt");

  /** A report or log larger than this is not archived whole (its head and tail are). */
  static final long MAX_FILE_BYTES = 2L << 20;

  private final Path archive;
  private final Path runs;

  /**
   * @param archive where done cells are committed ({@code docs/paper/cells})
   * @param runs the grid's run directory ({@code runs/paper})
   */
  CellArchive(Path archive, Path runs) {
    this.archive = archive;
    this.runs = runs;
  }

  /** Copies a done cell into the archive (replacing an older copy in one move). */
  void save(GridCell cell, CellRecord record) throws IOException {
    Path source = cell.directory(runs);
    Path target = cell.directory(archive);
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    AtomicFiles.deleteRecursively(temp);
    Files.createDirectories(temp.resolve("run"));
    copySmall(source.resolve("child.log"), temp.resolve("child.log"));
    Path run = source.resolve("run");
    if (Files.isDirectory(run)) {
      try (Stream<Path> files = Files.list(run)) {
        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
          String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
          if (KEPT_SUFFIXES.stream().anyMatch(name::endsWith) && !name.equals("state.json")) {
            copySmall(f, temp.resolve("run").resolve(f.getFileName()));
          }
        }
      }
    }
    if (cell.kind() == GridCell.Kind.PRETRAIN) {
      BaseWeights.saveSlim(
          run.resolve("best"),
          temp.resolve("run").resolve("best"),
          ModelSource.MINILM,
          cell.seed());
    }
    record.write(temp); // last: an archived cell without cell.json is incomplete
    AtomicFiles.deleteRecursively(target);
    Files.createDirectories(target.getParent());
    AtomicFiles.moveIntoPlace(temp, target);
    LOG.info("{}: archived in {}", cell.id(), target);
  }

  /** Whether the archive holds this cell, done. */
  boolean has(GridCell cell) throws IOException {
    return CellRecord.find(cell.directory(archive)).map(CellRecord::done).orElse(false);
  }

  /**
   * Brings the archive and the run directory level: every archived cell that the run directory
   * lacks (or has unfinished) is put back into it, and every done cell not archived yet (done in a
   * sitting before the archive existed, or whose copy failed) is archived.
   *
   * @return how many cells were restored
   */
  int sync(List<GridCell> cells) throws IOException {
    int restored = 0;
    for (GridCell cell : cells) {
      Path dir = cell.directory(runs);
      Optional<CellRecord> local = CellRecord.find(dir);
      boolean localDone = local.map(CellRecord::done).orElse(false);
      if (!has(cell)) {
        if (localDone) {
          save(cell, local.get());
        }
        continue;
      }
      if (localDone) {
        continue;
      }
      AtomicFiles.deleteRecursively(dir);
      copyTree(cell.directory(archive), dir);
      restored++;
      LOG.info("{}: restored from {}", cell.id(), cell.directory(archive));
    }
    return restored;
  }

  private static void copySmall(Path from, Path to) throws IOException {
    if (!Files.isRegularFile(from)) {
      return;
    }
    long size = Files.size(from);
    if (size <= MAX_FILE_BYTES) {
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    byte[] all = Files.readAllBytes(from);
    int half = (int) (MAX_FILE_BYTES / 2);
    String cut =
        String.format(
            Locale.ROOT,
            "%n[... %d bytes of %s left out of the archive ...]%n",
            size - 2L * half,
            from.getFileName());
    try (var out = Files.newOutputStream(to)) {
      out.write(all, 0, half);
      out.write(cut.getBytes(StandardCharsets.UTF_8));
      out.write(all, all.length - half, half);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(from)) {
      paths = walk.sorted().toList();
    }
    // cell.json last, so an interrupted restore is not mistaken for a done cell.
    Path record = from.resolve(CellRecord.FILE);
    for (Path p : paths) {
      Path target = to.resolve(from.relativize(p).toString());
      if (Files.isDirectory(p)) {
        Files.createDirectories(target);
      } else if (!p.equals(record)) {
        Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.copy(record, to.resolve(CellRecord.FILE), StandardCopyOption.REPLACE_EXISTING);
  }
}
