package io.recformer.spark;

/** How an input path is read. */
public enum InputFormat {
  /** A dataset directory: a saved dataset or any importable format, loaded on the driver. */
  DATASET,
  /** A Parquet table (file or directory) read by Spark. */
  PARQUET,
  /** A JSON-lines table (file or directory) read by Spark. */
  JSON
}
