package io.recformer.data.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The entry point for callers (CLI, training): detects the format of a directory and imports it.
 *
 * <pre>{@code
 * ImportResult imported = Datasets.importAuto(Path.of("data/amazon-scientific-unisrec"));
 * Dataset dataset = imported.dataset();
 * dataset.write(Path.of("runs/scientific-dataset"));
 * }</pre>
 */
public final class Datasets {

  private Datasets() {}

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
