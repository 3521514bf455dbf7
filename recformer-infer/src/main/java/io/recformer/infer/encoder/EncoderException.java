package io.recformer.infer.encoder;

/**
 * ONNX Runtime failed: a session could not be created or a run failed. Carries the engine's
 * exception as the cause; the message says what was being done.
 */
public final class EncoderException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EncoderException(String message, Throwable cause) {
    super(message, cause);
  }

  public EncoderException(String message) {
    super(message);
  }
}
