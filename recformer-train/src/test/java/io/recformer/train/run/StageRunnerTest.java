package io.recformer.train.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The epoch loop both trainers share, driven by a scripted stage: when it evaluates, saves, ends a
 * stage early, honours a stop request and a wall-clock budget, and where it resumes.
 */
class StageRunnerTest {

  /** Records the calls; validations score the given values in turn. */
  private static final class Script implements StageRunner.Stage {
    final List<String> calls = new ArrayList<>();
    final ModelSelection selection = new ModelSelection();
    final double[] scores;
    final int patience;
    final long epochNanos;
    int scored;

    Script(int patience, long epochNanos, double... scores) {
      this.patience = patience;
      this.epochNanos = epochNanos;
      this.scores = scores;
    }

    @Override
    public void trainEpoch(int epoch) {
      calls.add("train " + epoch);
      long until = System.nanoTime() + epochNanos;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
    }

    @Override
    public void evaluate(int epochsDone) {
      selection.offer(scores[scored++]);
      calls.add("eval " + epochsDone);
    }

    @Override
    public boolean ended() {
      return selection.exhausted(patience);
    }

    @Override
    public void save(int epochsDone, boolean stageDone) {
      calls.add("save " + epochsDone + (stageDone ? " done" : ""));
    }
  }

  private static StageRunner runner(StopSignal stop) {
    return new StageRunner(LoggerFactory.getLogger(StageRunnerTest.class), stop, Path.of("run"));
  }

  private static StageRunner.Settings settings(int epochs, int evalEvery, boolean last) {
    return new StageRunner.Settings("stage", epochs, evalEvery, last, 0, true);
  }

  @Test
  void evaluatesEveryNEpochsAndAfterTheLastAndSavesAfterEach() throws Exception {
    Script s = new Script(5, 0, 0.1, 0.2, 0.3);
    int done =
        runner(StopSignal.none()).run(settings(5, 2, true), s, 0, System.nanoTime(), () -> 0);
    assertThat(done).isEqualTo(5);
    assertThat(s.calls)
        .containsExactly(
            "train 0",
            "save 1",
            "train 1",
            "eval 2",
            "save 2",
            "train 2",
            "save 3",
            "train 3",
            "eval 4",
            "save 4",
            "train 4",
            "eval 5",
            "save 5 done");
  }

  @Test
  void patienceEndsTheStageAfterTheSaveThatMarksItDone() throws Exception {
    // Scores 0.5, 0.4, 0.4: the second and third do not improve, patience 2 ends after epoch 3.
    Script s = new Script(2, 0, 0.5, 0.4, 0.4, 0.9);
    int done =
        runner(StopSignal.none()).run(settings(6, 1, true), s, 0, System.nanoTime(), () -> 0);
    assertThat(done).isEqualTo(3);
    assertThat(s.calls).endsWith("eval 3", "save 3 done");
    assertThat(s.selection.best()).isEqualTo(0.5);
  }

  @Test
  void resumesAfterTheCompletedEpochsAndEvaluatesOnTheirCount() throws Exception {
    Script s = new Script(0, 0, 0.1, 0.2);
    runner(StopSignal.none()).run(settings(4, 2, false), s, 2, System.nanoTime(), () -> 0);
    assertThat(s.calls).containsExactly("train 2", "save 3", "train 3", "eval 4", "save 4 done");
  }

  @Test
  void aStopRequestEndsTheRunAfterTheEpochsSave() {
    StopSignal stop = StopSignal.none();
    stop.request("SIGTERM");
    Script s = new Script(0, 0, 0.1);
    assertThatThrownBy(
            () -> runner(stop).run(settings(3, 0, false), s, 0, System.nanoTime(), () -> 17))
        .isInstanceOf(RunStoppedException.class)
        .hasMessageContaining("after optimizer step 17");
    assertThat(s.calls).containsExactly("train 0", "save 1");
  }

  @Test
  void aStopAfterTheLastEpochEndsTheRunOnlyWhenMoreWorkFollowsTheStage() throws Exception {
    StopSignal stop = StopSignal.none();
    stop.request("SIGINT");
    Script last = new Script(0, 0);
    StageRunner.Settings runEnds = new StageRunner.Settings("stage", 1, 0, false, 0, false);
    assertThat(runner(stop).run(runEnds, last, 0, System.nanoTime(), () -> 3)).isEqualTo(1);
    StageRunner.Settings moreFollows = new StageRunner.Settings("stage", 1, 0, false, 0, true);
    assertThatThrownBy(
            () -> runner(stop).run(moreFollows, new Script(0, 0), 0, System.nanoTime(), () -> 3))
        .isInstanceOf(RunStoppedException.class);
  }

  @Test
  void stopsBeforeAnEpochThatWouldOverrunTheBudgetAndValidatesThere() throws Exception {
    // Epochs of 300 ms against a budget of 750 ms (0.0125 min): after one epoch a second fits
    // (600 ms), after two a third would end at 900 ms, so the stage ends after 2, validating there
    // (evalEvery 5 had not) and saving the stage as done.
    Script s = new Script(0, 300_000_000L, 0.3);
    StageRunner.Settings budget = new StageRunner.Settings("stage", 10, 5, true, 0.0125, true);
    int done = runner(StopSignal.none()).run(budget, s, 0, System.nanoTime(), () -> 0);
    assertThat(done).isEqualTo(2);
    assertThat(s.calls)
        .containsExactly("train 0", "save 1", "train 1", "save 2", "eval 2", "save 2 done");
  }
}
