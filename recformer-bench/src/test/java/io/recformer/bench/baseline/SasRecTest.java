package io.recformer.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

class SasRecTest {

  private static final SasRecConfig SMALL =
      new SasRecConfig(32, 2, 2, 64, 12, 0.1f, 0.1f, 1e-2f, 16, 150, 15, 64, 7L);

  /** Top-1 accuracy: the target must score strictly above every other item. */
  private static double recallAt1(SequenceScorer scorer, List<IndexedExample> examples) {
    List<int[]> histories = new ArrayList<>();
    examples.forEach(e -> histories.add(e.history()));
    float[][] scores = scorer.score(histories);
    int hits = 0;
    for (int u = 0; u < examples.size(); u++) {
      int target = examples.get(u).target();
      boolean top = true;
      for (int i = 0; i < scores[u].length; i++) {
        if (i != target && scores[u][i] >= scores[u][target]) {
          top = false;
        }
      }
      hits += top ? 1 : 0;
    }
    return (double) hits / examples.size();
  }

  private static int[] cycle(int start, int length, int period) {
    int[] s = new int[length];
    for (int i = 0; i < length; i++) {
      s[i] = (start + i) % period;
    }
    return s;
  }

  @Test
  void learnsACyclicNextItemPatternPerfectly() {
    int items = 6;
    List<int[]> train = new ArrayList<>();
    for (int start = 0; start < items; start++) {
      for (int length = 2; length <= 9; length++) {
        train.add(cycle(start, length, items));
      }
    }
    // Held-out histories: lengths never trained on (1 and 10..19; 19 exceeds maxLength = 12, so
    // only the last 12 items are read). Early stopping watches the same set.
    List<IndexedExample> heldOut = new ArrayList<>();
    for (int start = 0; start < items; start++) {
      for (int length : new int[] {1, 10, 19}) {
        int[] s = cycle(start, length + 1, items);
        heldOut.add(new IndexedExample(Arrays.copyOf(s, length), s[length]));
      }
    }
    try (SasRec model = SasRec.train(SMALL, items, train, heldOut)) {
      assertThat(recallAt1(model, heldOut)).isEqualTo(1.0);
      assertThat(model.summary().bestValidationNdcg10()).isEqualTo(1.0);
      List<Double> loss = model.summary().trainLoss();
      assertThat(loss.get(loss.size() - 1)).isLessThan(0.5 * loss.get(0));
    }
  }

  /**
   * After item 0 the next item depends on what came before the 0 (1 -> 0 -> 2 -> 0 -> 1 ...): a
   * last-item model cannot exceed 50 % here, so 100 % shows the attention reads earlier positions.
   */
  @Test
  @EnabledIfSystemProperty(named = "recformer.slow", matches = "true")
  void learnsASecondOrderPatternThroughAttention() {
    int[] pattern = {1, 0, 2, 0};
    int items = 3;
    List<int[]> train = new ArrayList<>();
    for (int start = 0; start < pattern.length; start++) {
      for (int length = 3; length <= 10; length++) {
        int[] s = new int[length];
        for (int i = 0; i < length; i++) {
          s[i] = pattern[(start + i) % pattern.length];
        }
        train.add(s);
      }
    }
    List<IndexedExample> examples = new ArrayList<>();
    for (int start = 0; start < pattern.length; start++) {
      int[] h = new int[6];
      for (int i = 0; i < h.length; i++) {
        h[i] = pattern[(start + i) % pattern.length];
      }
      examples.add(new IndexedExample(h, pattern[(start + h.length) % pattern.length]));
    }
    // Every history holds the same bag of items, so training sits on plateaus (the marginal
    // distribution at loss 1.04, then the last-item solution at 0.35) for dozens of epochs before
    // it finds the second-order rule: slow, hence gated. With this seed it is found by epoch ~40.
    SasRecConfig config = new SasRecConfig(32, 2, 2, 64, 12, 0f, 0f, 1e-3f, 8, 100, 40, 64, 7L);
    try (SasRec model = SasRec.train(config, items, train, examples)) {
      assertThat(recallAt1(model, examples)).isEqualTo(1.0);
    }
  }

  @Test
  void rejectsOutOfRangeItemsAndEmptyInputs() {
    List<IndexedExample> validation = List.of(new IndexedExample(new int[] {0}, 1));
    assertThatThrownBy(() -> SasRec.train(SMALL, 3, List.of(new int[] {0, 5}), validation))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("training item index 5 is out of range: must be in [0, 3)");
    assertThatThrownBy(() -> SasRec.train(SMALL, 3, List.of(new int[] {0}), validation))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no training sequence has 2 or more items");
    assertThatThrownBy(() -> SMALL.withShape(30, 4, 2, 64))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hiddenSize = 30 must be divisible by heads = 4");
  }
}
