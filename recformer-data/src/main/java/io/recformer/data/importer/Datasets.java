package io.recformer.data.importer;

import io.recformer.data.dataset.CombinedDataset;
import io.recformer.data.dataset.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point for callers (CLI, training, benchmarks): opens a dataset directory, whether it
 * holds source files in a supported format or a dataset saved by {@link Dataset#write}.
 *
 * <pre>{@code
 * Dataset dataset = Datasets.open(Path.of("data/amazon-scientific-unisrec"));
 * dataset.write(Path.of("runs/scientific-dataset"));
 * Dataset again = Datasets.open(Path.of("runs/scientific-dataset")); // read back, verified
 * }</pre>
 */
public final class Datasets {

  private static final Logger LOG = LoggerFactory.getLogger(Datasets.class);

  private Datasets() {}

  /** {@link #open(Path, ImportOptions)} with the default (strict) import options. */
  public static Dataset open(Path directory) throws IOException {
    return open(directory, ImportOptions.defaults());
  }

  /**
   * Opens a dataset directory the same way for every command: a saved dataset (it has the manifest
   * {@link Dataset#write} writes) is read and verified, never re-detected as source files; any
   * other directory is imported with {@code options} from whatever supported format it holds.
   *
   * @throws IllegalArgumentException if {@code directory} is not a directory or holds no supported
   *     format
   */
  public static Dataset open(Path directory, ImportOptions options) throws IOException {
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException(
          "dataset directory " + directory + " does not exist or is not a directory");
    }
    if (Dataset.isSaved(directory)) {
      if (!options.recBoleFields().equals(RecBoleFields.defaults())) {
        throw new IllegalArgumentException(
            directory + " is a saved dataset; RecBole column options apply only when importing");
      }
      Dataset dataset = Dataset.read(directory);
      LOG.info("read saved dataset {}", dataset);
      return dataset;
    }
    return importAuto(directory, options).dataset();
  }

  /**
   * Opens several dataset directories ({@link #open(Path, ImportOptions)} each) as one {@link
   * CombinedDataset}, for cross-domain pre-training: each directory's name is its namespace, so
   * {@code data/amazon-office-2014}'s items become {@code amazon-office-2014/<id>}.
   *
   * @throws IllegalArgumentException if two directories have the same name
   */
  public static Dataset openCombined(List<Path> directories, ImportOptions options)
      throws IOException {
    List<CombinedDataset.Source> sources = new ArrayList<>();
    for (Path directory : directories) {
      Path name = directory.toAbsolutePath().normalize().getFileName();
      if (name == null) {
        throw new IllegalArgumentException("dataset directory " + directory + " has no name");
      }
      sources.add(new CombinedDataset.Source(name.toString(), open(directory, options)));
    }
    Dataset combined = CombinedDataset.of(sources);
    LOG.info("combined {} datasets into {}", sources.size(), combined);
    return combined;
  }

  /** Every importer, in detection order (most specific file sets first). */
  public static List<Importer> importers() {
    return List.of(
        new UniSRecImporter(),
        new RecformerOriginalImporter(),
        new JsonSequenceImporter(),
        new RecBoleImporter(),
        new SequentialSplitImporter(),
        new AmazonRawImporter());
  }

  /** The importer whose files the directory holds, if any. */
  public static Optional<Importer> detect(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException("not a directory: " + directory);
    }
    for (Importer importer : importers()) {
      if (importer.accepts(directory)) {
        return Optional.of(importer);
      }
    }
    return Optional.empty();
  }

  /** Imports a directory in whatever supported format it holds, strictly. */
  public static ImportResult importAuto(Path directory) throws IOException {
    return importAuto(directory, ImportOptions.defaults());
  }

  public static ImportResult importAuto(Path directory, ImportOptions options) throws IOException {
    Optional<Importer> importer = detect(directory);
    if (importer.isEmpty()) {
      List<String> formats = new ArrayList<>();
      importers().forEach(i -> formats.add(i.format()));
      throw new IllegalArgumentException(
          "no supported dataset format found in "
              + directory
              + " (supported: "
              + formats
              + "; see docs/formats.md)");
    }
    boolean readsFields =
        importer.get() instanceof RecBoleImporter
            || importer.get() instanceof SequentialSplitImporter;
    if (!readsFields && !options.recBoleFields().equals(RecBoleFields.defaults())) {
      // Field names and a rating threshold that no importer reads would silently do nothing.
      throw new IllegalArgumentException(
          directory
              + " holds "
              + importer.get().format()
              + " files; column names, attribute names and a minimum rating apply only to"
              + " RecBole atomic files (recbole-atomic, sequential-split-atomic), got "
              + options.recBoleFields());
    }
    return importer.get().importFrom(directory, options);
  }
}
