package io.recformer.data.importer;

import io.recformer.data.dataset.Dataset;
import java.util.Objects;

/**
 * An imported dataset with the report of what was read and left out.
 *
 * @param dataset the imported dataset
 * @param report counts, skipped lines and throughput
 */
public record ImportResult(Dataset dataset, ImportReport report) {
  public ImportResult {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(report, "report");
  }
}
