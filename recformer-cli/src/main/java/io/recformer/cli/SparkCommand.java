package io.recformer.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code recformer spark}: batch jobs on Apache Spark. Spark is not part of the tool's jar (a
 * cluster brings its own); the {@code ./recformer} launcher puts it on the class path for these
 * commands only. This class names no Spark type, so the tool starts without Spark; {@link
 * SparkScoreRun} does the work once Spark is known to be present.
 */
@Command(
    name = "spark",
    mixinStandardHelpOptions = true,
    description = "Batch jobs on Apache Spark (local mode here; clusters: docs/spark.md).",
    subcommands = {SparkCommand.Score.class})
final class SparkCommand {

  /** Spark's entry class, looked up before anything touches Spark. */
  static final String SPARK_SESSION = "org.apache.spark.sql.SparkSession";

  /** Input formats of the command line. */
  enum Format {
    dataset,
    parquet,
    json
  }

  /** {@code recformer spark score}. */
  @Command(
      name = "score",
      mixinStandardHelpOptions = true,
      description = {
        "Encode a catalog and every user's history with an ONNX bundle and write each user's"
            + " top-K as Parquet (user_id, rank from 1, item_id, score), the lists"
            + " `recformer recommend` gives.",
        "Items and users come from a dataset directory (--data) or from Parquet/JSON tables"
            + " (--items, --users)."
      })
  static final class Score implements Callable<Integer> {

    @Option(
        names = "--bundle",
        required = true,
        description = "ONNX model bundle (directory or .zip).")
    Path bundle;

    @Option(
        names = "--data",
        description = "Dataset directory giving both the catalog and the users.")
    Path data;

    @Option(
        names = "--items",
        description = "Catalog: a dataset directory or a table (see --items-format).")
    String items;

    @Option(
        names = "--items-format",
        description = "dataset, parquet or json (default: ${DEFAULT-VALUE}).")
    Format itemsFormat = Format.dataset;

    @Option(
        names = "--id-column",
        description = "Item table: the id column (default: ${DEFAULT-VALUE}).")
    String idColumn = "id";

    @Option(
        names = "--attribute-columns",
        split = ",",
        description =
            "Item table: attribute columns in model order (default: every string column but the"
                + " id, in table order).")
    List<String> attributeColumns = List.of();

    @Option(
        names = "--users",
        description =
            "Users: a dataset directory or a table with user_id and history (array of item ids,"
                + " oldest first) columns (see --users-format).")
    String users;

    @Option(
        names = "--users-format",
        description = "dataset, parquet or json (default: ${DEFAULT-VALUE}).")
    Format usersFormat = Format.dataset;

    @Option(
        names = "--histories",
        description =
            "Dataset users: FULL (whole history: what comes next) or TEST (leave-one-out test"
                + " input) (default: ${DEFAULT-VALUE}).")
    String histories = "FULL";

    @Option(
        names = {"-o", "--out"},
        required = true,
        description = "Output directory of the Parquet table.")
    String out;

    @Option(names = "--overwrite", description = "Replace an existing output directory.")
    boolean overwrite;

    @Option(names = "-k", description = "Recommendations per user (default: ${DEFAULT-VALUE}).")
    int k = 10;

    @Option(
        names = "--include-history",
        description = "Keep users' own history items in their lists (excluded by default).")
    boolean includeHistory;

    @Option(
        names = "--history-penalty",
        paramLabel = "<cosine>",
        description =
            "Keep history items but lower their scores by this much (implies --include-history).")
    Double historyPenalty;

    @Option(
        names = "--master",
        description =
            "Spark master (default: ${DEFAULT-VALUE}); local mode binds 127.0.0.1 only. Use"
                + " spark-submit for a cluster (docs/spark.md).")
    String master = "local[" + Runtime.getRuntime().availableProcessors() + "]";

    @Option(
        names = "--ship-bundle",
        description =
            "Ship the bundle with the job (SparkContext.addFile) instead of reading it from its"
                + " path on every executor.")
    boolean shipBundle;

    @Option(
        names = "--strategy",
        description =
            "AUTO, BROADCAST or BLOCKS: broadcast the item matrix or score it in blocks (AUTO:"
                + " broadcast up to --broadcast-limit-mb) (default: ${DEFAULT-VALUE}).")
    String strategy = "AUTO";

    @Option(
        names = "--broadcast-limit-mb",
        description = "Largest item matrix AUTO broadcasts, in MiB (default: ${DEFAULT-VALUE}).")
    long broadcastLimitMb = 256;

    @Option(
        names = "--block-items",
        description = "Items per block of the block path (default: ${DEFAULT-VALUE}).")
    int blockItems = 100_000;

    @Option(
        names = "--users-per-chunk",
        description = "Users encoded and scored together (default: ${DEFAULT-VALUE}).")
    int usersPerChunk = 1_024;

    @Option(
        names = "--threads",
        description =
            "ONNX Runtime intra-op threads per executor encoder (default: ${DEFAULT-VALUE}; task"
                + " slots are the parallelism).")
    int threads = 1;

    @Option(
        names = "--batch-size",
        description = "Sequences per ONNX Runtime call (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(
        names = "--partitions",
        description = "Partitions of dataset-directory input (default: ${DEFAULT-VALUE}).")
    int partitions = 8;

    @Override
    public Integer call() throws Exception {
      try {
        Class.forName(SPARK_SESSION, false, Score.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalArgumentException(
            "Apache Spark is not on the class path: run `./recformer spark ...` (the launcher"
                + " adds recformer-spark's Spark class path), or submit the job with"
                + " spark-submit (docs/spark.md)",
            e);
      }
      return SparkScoreRun.run(this);
    }
  }
}
