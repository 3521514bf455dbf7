package io.recformer.cli;

import io.recformer.data.importer.ImportOptions;
import picocli.CommandLine.Option;

/** The options of {@code recformer data import} and {@code data stats} that control an import. */
final class ImportArguments {

  @Option(
      names = "--lenient",
      description = "Skip and count bad lines instead of stopping at the first one.")
  boolean lenient;

  @Option(
      names = "--max-line-bytes",
      paramLabel = "BYTES",
      description =
          "Longest line a line-based source file may have (default: ${DEFAULT-VALUE}, 64 MiB); a"
              + " longer line is an error, or skipped and counted with --lenient.")
  long maxLineBytes = ImportOptions.DEFAULT_MAX_LINE_BYTES;

  @Option(
      names = "--allow-truncated",
      description =
          "Accept a gzip file that ends early, keeping the complete lines before the cut (counted"
              + " and logged). Without it a cut file is an error, also with --lenient.")
  boolean allowTruncated;

  ImportOptions options() {
    if (maxLineBytes < 1 || maxLineBytes > ImportOptions.MAX_LINE_BYTES_LIMIT) {
      throw new IllegalArgumentException(
          "--max-line-bytes = "
              + maxLineBytes
              + " must be between 1 and "
              + ImportOptions.MAX_LINE_BYTES_LIMIT);
    }
    return DatasetArguments.importOptions(lenient)
        .withMaxLineBytes(maxLineBytes)
        .withAllowTruncated(allowTruncated);
  }
}
