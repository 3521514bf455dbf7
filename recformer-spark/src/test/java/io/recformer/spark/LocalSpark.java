package io.recformer.spark;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * A local[2] Spark session for tests, bound to the loopback address only (tests run in a network
 * namespace with nothing but loopback) and without the web UI.
 */
final class LocalSpark {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path TINY_BUNDLE = ROOT.resolve("recformer-infer/src/test/resources/bundles/tiny");
  static final Path SCIENTIFIC = ROOT.resolve("data/amazon-scientific-unisrec");

  private LocalSpark() {}

  static SparkSession start(Path scratch) {
    return SparkSession.builder()
        .master("local[2]")
        .appName("recformer-spark-test")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", false)
        .config("spark.ui.showConsoleProgress", false)
        .config("spark.sql.shuffle.partitions", 4)
        .config("spark.default.parallelism", 4)
        .config("spark.local.dir", scratch.toString())
        .config("spark.sql.warehouse.dir", scratch.resolve("warehouse").toString())
        .getOrCreate();
  }
}
