package io.recformer.cli;

import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.importer.ErrorPolicy;
import io.recformer.data.importer.ImportOptions;
import io.recformer.data.importer.RecBoleFields;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a dataset directory named on the command line: a saved canonical dataset, or any format an
 * importer recognizes ({@link Datasets#open}), with the command's error policy.
 */
final class DatasetArguments {

  private static final Logger LOG = LoggerFactory.getLogger(DatasetArguments.class);

  private DatasetArguments() {}

  static Dataset open(Path directory, boolean lenient) throws IOException {
    return open(directory, lenient, RecBoleFields.defaults());
  }

  /** Like {@link #open(Path, boolean)}, reading RecBole atomic files with these fields. */
  static Dataset open(Path directory, boolean lenient, RecBoleFields fields) throws IOException {
    ImportOptions options =
        ImportOptions.defaults()
            .withErrorPolicy(lenient ? ErrorPolicy.LENIENT : ErrorPolicy.STRICT)
            .withProgress(
                (file, bytes, size, lines) ->
                    LOG.info("importing {}: {} lines, {} of {} bytes", file, lines, bytes, size),
                2000)
            .withRecBoleFields(fields);
    return Datasets.open(directory, options);
  }
}
