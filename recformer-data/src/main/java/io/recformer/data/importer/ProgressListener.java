package io.recformer.data.importer;

/**
 * Receives import progress, roughly every {@link ImportOptions#progressIntervalMillis()}
 * milliseconds.
 */
@FunctionalInterface
public interface ProgressListener {

  /**
   * Called with how far the importer has read.
   *
   * @param file the file being read
   * @param bytesRead bytes read from disk so far (compressed bytes for gzip)
   * @param fileSize the file's size on disk
   * @param lines lines read so far
   */
  void onProgress(String file, long bytesRead, long fileSize, long lines);

  /** A listener that ignores progress (the importer still logs it). */
  ProgressListener NONE = (file, bytesRead, fileSize, lines) -> {};
}
