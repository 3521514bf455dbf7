package io.recformer.core.format;

import java.io.IOException;

/**
 * A saved artifact exists but cannot be used: malformed JSON, a wrong kind, an unsupported format
 * version, a missing, unknown or invalid field, or a file whose hash does not match its manifest.
 * The message names the file and, where known, the line, column or field.
 */
public final class ArtifactFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public ArtifactFormatException(String message) {
    super(message);
  }

  public ArtifactFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
