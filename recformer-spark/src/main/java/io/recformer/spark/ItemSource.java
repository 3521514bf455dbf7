package io.recformer.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where the catalog comes from: a dataset directory (a saved dataset or any format {@code recformer
 * data import} reads, loaded on the driver), or a Parquet or JSON-lines table read by Spark with an
 * id column and attribute columns.
 *
 * @param format how {@code path} is read
 * @param path the dataset directory, or the table's path (any file system Spark reads)
 * @param idColumn the table's item id column (tables only)
 * @param attributeColumns the table's attribute columns in the order the model reads them; empty =
 *     every string column except the id, in the table's column order (JSON: Spark orders inferred
 *     columns alphabetically, so name them)
 */
public record ItemSource(
    InputFormat format, String path, String idColumn, List<String> attributeColumns)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  public ItemSource {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(idColumn, "idColumn");
    attributeColumns = List.copyOf(attributeColumns);
  }

  /** The items of a dataset directory, in the catalog's order. */
  public static ItemSource dataset(Path directory) {
    return new ItemSource(InputFormat.DATASET, directory.toString(), "id", List.of());
  }

  /** A table with an {@code id} column and string attribute columns. */
  public static ItemSource table(InputFormat format, String path) {
    if (format == InputFormat.DATASET) {
      throw new IllegalArgumentException("a table is PARQUET or JSON, not DATASET");
    }
    return new ItemSource(format, path, "id", List.of());
  }

  public ItemSource withIdColumn(String column) {
    return new ItemSource(format, path, column, attributeColumns);
  }

  public ItemSource withAttributeColumns(List<String> columns) {
    return new ItemSource(format, path, idColumn, columns);
  }
}
