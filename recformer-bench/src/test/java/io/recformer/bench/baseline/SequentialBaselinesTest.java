package io.recformer.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.MetricAccumulator;
import io.recformer.core.metrics.TiePolicy;
import io.recformer.train.model.PyTorchThreads;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GRU4Rec and BERT4Rec learn a deterministic pattern: every sequence walks a cycle of 40 items
 * (item i is followed by i + 1 mod 40) from a random start, so the next item is a function of the
 * last one. Popularity cannot know it (NDCG@10 about 0.35 here, most items tying); both models must
 * reach 0.8, and the weights they return must be the best validation epoch's.
 */
class SequentialBaselinesTest {

  private static final int ITEMS = 40;
  private static final List<int[]> TRAIN = new ArrayList<>();
  private static final List<IndexedExample> HELD_OUT = new ArrayList<>();

  @BeforeAll
  static void cyclicData() {
    // One thread: on a loaded 2-core machine two intra-op threads mostly wait for each other.
    PyTorchThreads.setIntraOpThreads(1);
    Random random = new Random(3);
    for (int u = 0; u < 120; u++) {
      int start = random.nextInt(ITEMS);
      int length = 4 + random.nextInt(10);
      int[] s = new int[length];
      for (int i = 0; i < length; i++) {
        s[i] = (start + i) % ITEMS;
      }
      TRAIN.add(Arrays.copyOf(s, length - 1));
      HELD_OUT.add(new IndexedExample(Arrays.copyOf(s, length - 1), s[length - 1]));
    }
  }

  /** NDCG@10 under original ties with history kept, as the benchmark reports it. */
  private static double ndcg10(SequenceScorer scorer) {
    MetricAccumulator acc = new MetricAccumulator(TiePolicy.ORIGINAL, HistoryPolicy.KEEP, 10);
    List<int[]> histories = new ArrayList<>();
    HELD_OUT.forEach(e -> histories.add(e.history()));
    float[][] rows = scorer.score(histories);
    for (int i = 0; i < rows.length; i++) {
      acc.add(rows[i], HELD_OUT.get(i).target(), null);
    }
    return acc.report().get("NDCG@10");
  }

  private static void assertLearned(TrainedBaseline model) {
    double popularity = ndcg10(PopularityBaseline.fit(ITEMS, TRAIN));
    assertThat(popularity).isLessThan(0.4);
    double ndcg = ndcg10(model);
    assertThat(ndcg).isGreaterThanOrEqualTo(0.8);
    TrainingSummary s = model.summary();
    // The returned weights are the best epoch's: scoring them gives that epoch's validation value.
    assertThat(ndcg).isCloseTo(s.bestValidationNdcg10(), within(1e-9));
    assertThat(s.validationNdcg10().get(s.bestEpoch() - 1)).isEqualTo(s.bestValidationNdcg10());
    assertThat(s.trainLoss().get(s.trainLoss().size() - 1)).isLessThan(0.5 * s.trainLoss().get(0));
  }

  @Test
  void gru4recLearnsTheCycleAndKeepsItsBestEpoch() {
    Gru4RecConfig config = new Gru4RecConfig(16, 32, 0.1f, 20, 1e-2f, 32, 60, 10, 64, 7L);
    try (TrainedBaseline model = Gru4Rec.train(config, ITEMS, TRAIN, HELD_OUT)) {
      assertLearned(model);
      // Seeded: a second run trains the same model.
      try (TrainedBaseline again = Gru4Rec.train(config, ITEMS, TRAIN, HELD_OUT)) {
        assertThat(again.summary().validationNdcg10())
            .isEqualTo(model.summary().validationNdcg10());
      }
    }
  }

  @Test
  void bert4recLearnsTheCycleFromTheAppendedMask() {
    Bert4RecConfig config =
        new Bert4RecConfig(32, 2, 2, 64, 20, 0f, 0f, 0.3f, 5e-3f, 16, 80, 15, 64, 7L);
    try (TrainedBaseline model = Bert4Rec.train(config, ITEMS, TRAIN, HELD_OUT)) {
      assertLearned(model);
    }
  }

  @Test
  void bert4recCutsLongSequencesIntoWindowsFromTheEnd() {
    int[] s = {0, 1, 2, 3, 4, 5, 6};
    List<int[]> windows = Bert4Rec.windows(List.of(s, new int[] {9}), 3, 10);
    assertThat(windows).containsExactly(new int[] {4, 5, 6}, new int[] {1, 2, 3});
  }

  @Test
  void rejectBadInputsWithTheFieldNamed() {
    assertThatThrownBy(
            () -> Gru4Rec.train(Gru4RecConfig.defaults(), 3, List.of(new int[] {0, 5}), HELD_OUT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("training item index 5 is out of range: must be in [0, 3)");
    assertThatThrownBy(
            () ->
                Bert4Rec.train(Bert4RecConfig.defaults(), 3, List.of(new int[] {0, 1}), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("validation examples are required");
    assertThatThrownBy(
            () -> new Bert4RecConfig(64, 2, 2, 256, 50, 0.2f, 0.2f, 1f, 1e-3f, 512, 1, 1, 512, 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maskRatio = 1.0 must be in (0, 1)");
    assertThatThrownBy(() -> new Gru4RecConfig(64, 0, 0.3f, 50, 1e-3f, 512, 1, 1, 512, 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hiddenSize = 0 must be >= 1");
  }
}
