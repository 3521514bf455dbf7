package io.recformer.cli.config;

/**
 * A configuration that cannot be used: unknown key, malformed or out-of-range value. The message
 * names where the value came from (file or option), the key and what is allowed. A caller's
 * mistake, hence an {@link IllegalArgumentException} (exit code 2 in the command-line tool).
 */
public final class ConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
