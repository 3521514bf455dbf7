package io.recformer.infer.index;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An item index file that cannot be used: truncated, corrupted, of an unknown format version, or
 * built by another model than the caller expects. The message names the file and the problem.
 */
public class IndexFileException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public IndexFileException(Path file, String problem) {
    super("item index " + file + ": " + problem);
    this.file = file;
  }

  public IndexFileException(Path file, String problem, Throwable cause) {
    super("item index " + file + ": " + problem, cause);
    this.file = file;
  }

  /** The file that could not be used. */
  public Path file() {
    return file;
  }
}
