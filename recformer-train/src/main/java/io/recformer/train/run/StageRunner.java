package io.recformer.train.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * The epoch loop of a training stage, shared by pre-training and fine-tuning: it trains epoch after
 * epoch from where a saved run stood, evaluates every {@code evalEvery} epochs, saves a resume
 * point after every epoch, honours a stop request at the epoch boundary ({@link StopSignal}), ends
 * the stage early when the trainer says so (patience exhausted, a step budget reached), and stops
 * before an epoch that would overrun a wall-clock budget, estimating the epoch by the last one.
 * What an epoch, an evaluation and a save are is the trainer's ({@link Stage}); the steps inside an
 * epoch are {@link StepLoop}'s.
 */
public final class StageRunner {

  /** What a trainer does at the epoch boundaries of a stage. */
  public interface Stage {

    /** Trains the epoch with 0-based index {@code epoch}, from where it stands, to its end. */
    void trainEpoch(int epoch) throws IOException;

    /** Validates after {@code epochsDone} completed epochs, keeping the best model. */
    void evaluate(int epochsDone) throws IOException;

    /** True once the stage ends before its last epoch (patience exhausted, step budget reached). */
    boolean ended();

    /**
     * Saves the resume point after {@code epochsDone} completed epochs.
     *
     * @param stageDone nothing of the stage is left to train
     */
    void save(int epochsDone, boolean stageDone) throws IOException;
  }

  /**
   * The limits of a stage.
   *
   * @param name names the stage in logs
   * @param epochs epochs of the stage
   * @param evalEvery evaluate after every this many epochs; 0 = never at an epoch's end
   * @param evaluateLastEpoch also evaluate after the stage's last epoch
   * @param budgetMinutes wall-clock budget of the stage, 0 = none
   * @param stopAtStageEnd a stop request after the stage's last epoch ends the run too (true when
   *     more stages or a long final evaluation follow; false when the run only writes its report)
   */
  public record Settings(
      String name,
      int epochs,
      int evalEvery,
      boolean evaluateLastEpoch,
      double budgetMinutes,
      boolean stopAtStageEnd) {}

  private final Logger log;
  private final StopSignal stop;
  private final Path runRoot;

  /**
   * @param log the trainer's logger
   * @param runRoot the run directory, named by {@link RunStoppedException}
   */
  public StageRunner(Logger log, StopSignal stop, Path runRoot) {
    this.log = log;
    this.stop = stop;
    this.runRoot = runRoot;
  }

  /**
   * Runs the stage's epochs after {@code epochsDone} completed ones.
   *
   * @param startNanos when the stage started in this process ({@link System#nanoTime()}), for the
   *     wall-clock budget
   * @param globalStep reads the run's optimizer steps, for the stop message
   * @return the completed epochs when the stage ended
   */
  public int run(
      Settings settings, Stage stage, int epochsDone, long startNanos, LongSupplier globalStep)
      throws IOException {
    int epoch = epochsDone;
    while (epoch < settings.epochs() && !stage.ended()) {
      long epochStart = System.nanoTime();
      stage.trainEpoch(epoch);
      epoch++;
      boolean evaluated =
          (settings.evalEvery() > 0 && epoch % settings.evalEvery() == 0)
              || (settings.evaluateLastEpoch() && epoch == settings.epochs());
      if (evaluated) {
        stage.evaluate(epoch);
      }
      boolean done = stage.ended() || epoch == settings.epochs();
      stage.save(epoch, done);
      if (stop.requested() && (settings.stopAtStageEnd() || !done)) {
        throw new RunStoppedException(runRoot, globalStep.getAsLong(), stop);
      }
      if (done) {
        break;
      }
      if (settings.budgetMinutes() > 0) {
        double spent = (System.nanoTime() - startNanos) / 60e9;
        double last = (System.nanoTime() - epochStart) / 60e9;
        if (spent + last > settings.budgetMinutes()) {
          log.info(
              String.format(
                  Locale.ROOT,
                  "%s: time budget of %.1f min reached after %d"
                      + " epochs (%.1f min spent, an epoch takes %.1f min)",
                  settings.name(),
                  settings.budgetMinutes(),
                  epoch,
                  spent,
                  last));
          if (!evaluated) {
            stage.evaluate(epoch);
          }
          stage.save(epoch, true);
          break;
        }
      }
    }
    return epoch;
  }
}
