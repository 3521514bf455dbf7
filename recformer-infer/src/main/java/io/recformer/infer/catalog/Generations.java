package io.recformer.infer.catalog;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of the generations of a catalog directory that are not current: left by a checkpoint
 * that crashed before its commit (the new generation's) or after it (the old one's), and temporary
 * files of interrupted atomic writes. Only names this package writes are touched.
 */
final class Generations {

  private static final Logger LOG = LoggerFactory.getLogger(Generations.class);
  private static final Pattern GENERATION_FILE =
      Pattern.compile("(index|items|delta)-([0-9]+)\\.(rfidx|rfhnsw|rfitems|rflog)");
  private static final Pattern TEMPORARY =
      Pattern.compile(
          "\\.((index|items|delta)-[0-9]+\\.(rfidx|rfhnsw|rfitems|rflog)|catalog\\.json)\\..*\\.tmp");

  private Generations() {}

  /** Deletes every generation file except {@code current}'s, and temporary files. */
  static void deleteOthers(Path dir, CatalogManifest current) throws IOException {
    Set<String> keep = Set.of(current.indexFile(), current.itemFile(), current.deltaFile());
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        Matcher generation = GENERATION_FILE.matcher(name);
        boolean stale =
            (generation.matches() && !keep.contains(name)) || TEMPORARY.matcher(name).matches();
        if (stale) {
          Files.deleteIfExists(file);
          LOG.info(
              "catalog {}: deleted {} (not part of generation {})",
              dir,
              name,
              current.generation());
        }
      }
    }
    Durability.forceDirectory(dir);
  }

  /** Deletes the files of an uncommitted generation after a failed checkpoint. */
  static void deleteFiles(Path dir, CatalogManifest generation, Throwable cause) {
    for (String name :
        new String[] {generation.indexFile(), generation.itemFile(), generation.deltaFile()}) {
      try {
        Files.deleteIfExists(dir.resolve(name));
      } catch (IOException e) {
        cause.addSuppressed(e);
      }
    }
  }
}
