package io.recformer.spark;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Where executors find the ONNX bundle: a path every executor can read (shared storage: NFS, a
 * volume baked into the image, or local mode), or a copy shipped with the job through {@code
 * SparkContext.addFile} and found with {@link SparkFiles#get}. Sent to executors with the tasks.
 *
 * @param path the shared path, or the shipped file's name (its last path component)
 * @param shipped whether {@code path} names a file shipped with the job
 */
public record BundleLocation(String path, boolean shipped) implements Serializable {

  private static final long serialVersionUID = 1L;

  public BundleLocation {
    Objects.requireNonNull(path, "path");
  }

  /** A bundle (directory or .zip archive) at a path that every executor can read. */
  public static BundleLocation shared(Path bundle) {
    return new BundleLocation(bundle.toAbsolutePath().normalize().toString(), false);
  }

  /**
   * Ships a bundle from the driver's file system to every executor with the job ({@code addFile},
   * recursively for a directory); executors use their local copy. Shipping the same bundle twice in
   * one application is a no-op.
   */
  public static BundleLocation ship(SparkSession spark, Path bundle) {
    Path absolute = bundle.toAbsolutePath().normalize();
    if (!Files.exists(absolute)) {
      throw new IllegalArgumentException("bundle " + bundle + " does not exist");
    }
    String uri = absolute.toUri().toString();
    boolean directory = Files.isDirectory(absolute);
    String name = absolute.getFileName().toString();
    boolean already =
        CollectionConverters.asJava(spark.sparkContext().listFiles()).stream()
            .anyMatch(added -> stripSlash(added).equals(stripSlash(uri)));
    if (!already) {
      spark.sparkContext().addFile(uri, directory);
    }
    return new BundleLocation(name, true);
  }

  private static String stripSlash(String uri) {
    return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
  }

  /** The bundle's path in this JVM (an executor's, or the driver's in local mode). */
  public Path resolve() {
    return shipped ? Path.of(SparkFiles.get(path)) : Path.of(path);
  }
}
