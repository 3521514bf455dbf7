package io.recformer.cli;

import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.importer.ErrorPolicy;
import io.recformer.data.importer.ImportOptions;
import io.recformer.data.importer.ProgressListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens a dataset directory named on the command line: a saved canonical dataset, or any format an
 * importer recognizes ({@link Datasets#open}), with the command's import options.
 */
final class DatasetArguments {

  /** How often an import logs its progress (the importer logs it; no listener repeats it). */
  static final long PROGRESS_INTERVAL_MILLIS = 30_000;

  private DatasetArguments() {}

  static Dataset open(Path directory, boolean lenient) throws IOException {
    return open(directory, importOptions(lenient));
  }

  static Dataset open(Path directory, ImportOptions options) throws IOException {
    return Datasets.open(directory, options);
  }

  /** Several dataset directories as one {@link Datasets#openCombined combined} dataset. */
  static Dataset openCombined(List<Path> directories, boolean lenient) throws IOException {
    return Datasets.openCombined(directories, importOptions(lenient));
  }

  /** The import options of the commands that only have {@code --lenient}. */
  static ImportOptions importOptions(boolean lenient) {
    return ImportOptions.defaults()
        .withErrorPolicy(lenient ? ErrorPolicy.LENIENT : ErrorPolicy.STRICT)
        .withProgress(ProgressListener.NONE, PROGRESS_INTERVAL_MILLIS);
  }
}
