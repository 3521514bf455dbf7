package io.recformer.core.text;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A tokenizer.json file that cannot be used: not JSON, truncated, without a model section, of an
 * unsupported model type, or lacking a special token. The message names the file and the problem.
 */
public final class TokenizerFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;

  TokenizerFormatException(Path file, String problem) {
    super("tokenizer file " + file + ": " + problem);
    this.file = file;
  }

  TokenizerFormatException(Path file, String problem, Throwable cause) {
    super("tokenizer file " + file + ": " + problem, cause);
    this.file = file;
  }

  /** The file that could not be used. */
  public Path file() {
    return file;
  }
}
