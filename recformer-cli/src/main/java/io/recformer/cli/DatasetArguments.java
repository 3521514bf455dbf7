package io.recformer.cli;

import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.importer.ErrorPolicy;
import io.recformer.data.importer.ImportOptions;
import io.recformer.data.importer.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens a dataset directory: a saved canonical dataset, or any format an importer recognizes. */
final class DatasetArguments {

  private static final Logger LOG = LoggerFactory.getLogger(DatasetArguments.class);

  /** How often an import logs its progress (the importer logs it; no listener repeats it). */
  static final long PROGRESS_INTERVAL_MILLIS = 30_000;

  private DatasetArguments() {}

  static Dataset open(Path directory, boolean lenient) throws IOException {
    return open(directory, importOptions(lenient));
  }

  static Dataset open(Path directory, ImportOptions options) throws IOException {
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException(
          "dataset directory " + directory + " does not exist or is not a directory");
    }
    if (Files.isRegularFile(directory.resolve("manifest.json"))) {
      Dataset dataset = Dataset.read(directory);
      LOG.info("read saved dataset {}", dataset);
      return dataset;
    }
    return Datasets.importAuto(directory, options).dataset();
  }

  /** The import options of the commands that only have {@code --lenient}. */
  static ImportOptions importOptions(boolean lenient) {
    return ImportOptions.defaults()
        .withErrorPolicy(lenient ? ErrorPolicy.LENIENT : ErrorPolicy.STRICT)
        .withProgress(ProgressListener.NONE, PROGRESS_INTERVAL_MILLIS);
  }
}
