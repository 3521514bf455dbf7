package io.recformer.train.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MicroBatchesTest {

  /** Samples are their own lengths; a sample's identity is its position in the list. */
  private record Sample(int id, int tokens) {}

  private static final ToIntFunction<Sample> LENGTH = Sample::tokens;

  private static List<Sample> samples(int n, long seed) {
    Random r = new Random(seed);
    // One to three whole items of about 42 tokens plus [CLS], as in the Scientific histories.
    return IntStream.range(0, n)
        .mapToObj(i -> new Sample(i, 1 + 42 * (1 + r.nextInt(3))))
        .collect(Collectors.toList());
  }

  @Test
  void withoutGroupingTheBatchesAreConsecutiveRunsOfTheGivenOrder() {
    List<Sample> s = samples(37, 1);
    List<List<Sample>> batches = MicroBatches.plan(s, 8, 0, LENGTH, new Random(5));
    assertThat(batches).hasSize(5);
    assertThat(batches.get(0)).isEqualTo(s.subList(0, 8));
    assertThat(batches.get(4)).isEqualTo(s.subList(32, 37));
    assertThat(batches.stream().flatMap(List::stream).toList()).isEqualTo(s);
  }

  @Test
  void groupingUsesEverySampleOnceAndCutsEachSortedWindow() {
    List<Sample> s = samples(100, 2);
    List<List<Sample>> batches = MicroBatches.plan(s, 8, 4, LENGTH, new Random(5));
    assertThat(batches).hasSize(13);
    assertThat(batches.stream().flatMap(List::stream).map(Sample::id).sorted().toList())
        .isEqualTo(IntStream.range(0, 100).boxed().toList());
    assertThat(batches.stream().filter(b -> b.size() < 8).toList())
        .hasSize(1)
        .allSatisfy(b -> assertThat(b).hasSize(4));
    // Each batch holds samples of one window of 32 and, within it, a run of the sorted lengths.
    for (List<Sample> batch : batches) {
      int window = batch.get(0).id() / 32;
      assertThat(batch).allSatisfy(x -> assertThat(x.id() / 32).isEqualTo(window));
      List<Sample> sorted =
          new ArrayList<>(s.subList(window * 32, Math.min(100, window * 32 + 32)));
      sorted.sort(Comparator.comparingInt(LENGTH).reversed());
      int at = sorted.indexOf(batch.get(0));
      assertThat(at % 8).isZero();
      assertThat(batch).isEqualTo(sorted.subList(at, Math.min(sorted.size(), at + 8)));
    }
  }

  @Test
  void groupingPadsLessAndIsReproducible() {
    List<Sample> s = samples(2000, 3);
    List<List<Sample>> random = MicroBatches.plan(s, 16, 0, LENGTH, new Random(9));
    List<List<Sample>> grouped = MicroBatches.plan(s, 16, 32, LENGTH, new Random(9));
    double before = MicroBatches.tokenShare(random, LENGTH, 32);
    double after = MicroBatches.tokenShare(grouped, LENGTH, 32);
    // Lengths 43, 85 and 127 in equal parts: random batches of 16 almost always pad to 128.
    assertThat(before).isCloseTo(85.0 / 128, within(0.01));
    assertThat(after).isGreaterThan(0.8);
    assertThat(MicroBatches.plan(s, 16, 32, LENGTH, new Random(9))).isEqualTo(grouped);
    assertThat(MicroBatches.plan(s, 16, 32, LENGTH, new Random(10))).isNotEqualTo(grouped);
  }

  @Test
  void tokenShareCountsPaddingToTheLongestRowRoundedUp() {
    List<List<Sample>> batches =
        List.of(List.of(new Sample(0, 3), new Sample(1, 5)), List.of(new Sample(2, 2)));
    // Rows padded to 8 and 4: 10 tokens in 2 x 8 + 1 x 4 = 20 positions.
    assertThat(MicroBatches.tokenShare(batches, LENGTH, 4)).isCloseTo(0.5, within(1e-12));
    assertThat(MicroBatches.tokenShare(batches, LENGTH, 1)).isCloseTo(10.0 / 12, within(1e-12));
    assertThat(MicroBatches.tokenShare(List.<List<Sample>>of(), LENGTH, 4)).isEqualTo(1.0);
  }

  @Test
  void rejectsBadSizes() {
    assertThatThrownBy(() -> MicroBatches.plan(samples(3, 1), 0, 0, LENGTH, new Random(1)))
        .hasMessageContaining("batchSize = 0");
    assertThatThrownBy(() -> MicroBatches.plan(samples(3, 1), 2, -1, LENGTH, new Random(1)))
        .hasMessageContaining("groupBatches = -1");
  }
}
