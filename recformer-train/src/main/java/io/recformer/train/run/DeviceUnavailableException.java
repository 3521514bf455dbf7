package io.recformer.train.run;

/**
 * A setting names a device this machine cannot use (a GPU on a CPU-only libtorch, or a GPU index
 * past the ones the engine sees). A setting error, not a failure of the program: the message says
 * what to install or set, and the command-line tool exits with the bad-input status.
 */
public final class DeviceUnavailableException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public DeviceUnavailableException(String message) {
    super(message);
  }
}
