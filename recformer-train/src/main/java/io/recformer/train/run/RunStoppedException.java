package io.recformer.train.run;

import java.nio.file.Path;

/**
 * A training run stopped on request ({@link StopSignal}) after saving a checkpoint it can resume
 * from; not a failure of the run.
 */
public final class RunStoppedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient Path runDirectory;
  private final long step;
  private final int exitCode;

  /**
   * @param stop the request that stopped the run: names the cause and gives the exit status
   */
  public RunStoppedException(Path runDirectory, long step, StopSignal stop) {
    this(runDirectory, step, stop.requestedBy(), stop.exitCode());
  }

  private RunStoppedException(Path runDirectory, long step, String requestedBy, int exitCode) {
    super(
        "stopped by "
            + requestedBy
            + " after optimizer step "
            + step
            + "; a checkpoint to resume from is in "
            + runDirectory);
    this.runDirectory = runDirectory;
    this.step = step;
    this.exitCode = exitCode;
  }

  /** The exit status a shell expects after the stopping signal (130 for SIGINT, 143 SIGTERM). */
  public int exitCode() {
    return exitCode;
  }

  /** The run's directory, which holds the resumable checkpoint. */
  public Path runDirectory() {
    return runDirectory;
  }

  /** The last optimizer step taken (and saved). */
  public long step() {
    return step;
  }
}
