package io.recformer.data.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.UserHistory;
import io.recformer.data.TestData;
import io.recformer.data.importer.Datasets;
import io.recformer.data.sample.FineTuneSampler.Policy;
import io.recformer.data.split.LeaveOneOutSplit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplersTest {

  private static UserHistory sequence(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add("i" + i);
    }
    return UserHistory.of("u" + n, ids);
  }

  @Test
  void pretrainTargetsAreUniformOverTheLateHalf() {
    PretrainPairSampler sampler = new PretrainPairSampler(11L);
    UserHistory ten = sequence(10);
    // n = 10: positions 4..9 (6 values), each with probability 1/6.
    int[] counts = new int[10];
    int epochs = 6_000;
    for (int epoch = 0; epoch < epochs; epoch++) {
      TrainingSample pair = sampler.sample(List.of(ten), epoch).get(0);
      counts[pair.targetPosition()]++;
      assertThat(pair.history().itemIds())
          .isEqualTo(ten.itemIds().subList(0, pair.targetPosition()));
      assertThat(pair.targetItemId()).isEqualTo("i" + pair.targetPosition());
    }
    for (int p = 0; p < 4; p++) {
      assertThat(counts[p]).isZero();
    }
    // Expected 1000 each, sd ~ 29: allow 5 sd.
    for (int p = 4; p < 10; p++) {
      assertThat(counts[p]).isBetween(1000 - 145, 1000 + 145);
    }
    assertThat(PretrainPairSampler.lowestTarget(2)).isEqualTo(1);
    assertThat(PretrainPairSampler.lowestTarget(3)).isEqualTo(1);
    assertThat(PretrainPairSampler.lowestTarget(51)).isEqualTo(25);
    assertThat(sampler.sample(List.of(sequence(1)), 0)).isEmpty();
  }

  @Test
  void samplersAreDeterministicUnderASeed() throws IOException {
    List<UserHistory> train =
        LeaveOneOutSplit.of(Datasets.importAuto(TestData.office()).dataset()).train();
    FineTuneSampler a = new FineTuneSampler(FineTuneSampler.Policy.RANDOM_TARGET, 42L);
    FineTuneSampler b = new FineTuneSampler(FineTuneSampler.Policy.RANDOM_TARGET, 42L);
    FineTuneSampler c = new FineTuneSampler(FineTuneSampler.Policy.RANDOM_TARGET, 43L);
    List<Integer> first = positions(a.sample(train, 3));
    assertThat(positions(b.sample(train, 3))).isEqualTo(first);
    assertThat(positions(c.sample(train, 3))).isNotEqualTo(first);
    assertThat(positions(a.sample(train, 4))).isNotEqualTo(first);
    // Replaying an epoch out of order gives the same samples.
    a.sample(train, 9);
    assertThat(positions(a.sample(train, 3))).isEqualTo(first);
    PretrainPairSampler p = new PretrainPairSampler(5L);
    assertThat(positions(p.sample(train, 0)))
        .isEqualTo(positions(new PretrainPairSampler(5L).sample(train, 0)));
  }

  @Test
  void randomTargetGivesOneSamplePerUserWithinRange() throws IOException {
    List<UserHistory> train =
        LeaveOneOutSplit.of(Datasets.importAuto(TestData.office()).dataset()).train();
    List<TrainingSample> samples =
        new FineTuneSampler(FineTuneSampler.Policy.RANDOM_TARGET, 1L).sample(train, 0);
    assertThat(samples).hasSize(train.size());
    for (int i = 0; i < samples.size(); i++) {
      assertThat(samples.get(i).targetPosition()).isBetween(1, train.get(i).size() - 1);
    }
  }

  @Test
  void originalRandomTargetDrawsEveryPositionIncludingTheEmptyHistory() {
    // The original's collator draws randint(0, n - 1): position 0 (an empty history) included,
    // and a one-item sequence still gives a sample. Over 4,000 epochs of one 4-item sequence each
    // position is drawn about 1,000 times (sd ~ 27; allow 5 sd).
    FineTuneSampler sampler = new FineTuneSampler(Policy.RANDOM_TARGET_ANY_POSITION, 3L);
    int[] counts = new int[4];
    for (int epoch = 0; epoch < 4000; epoch++) {
      List<TrainingSample> one = sampler.sample(List.of(sequence(4)), epoch);
      assertThat(one).hasSize(1);
      TrainingSample t = one.get(0);
      assertThat(t.history().size()).isEqualTo(t.targetPosition());
      assertThat(t.targetItemId()).isEqualTo("i" + t.targetPosition());
      counts[t.targetPosition()]++;
    }
    for (int p = 0; p < 4; p++) {
      assertThat(counts[p]).isBetween(1000 - 135, 1000 + 135);
    }
    List<TrainingSample> single = sampler.sample(List.of(sequence(1)), 0);
    assertThat(single).hasSize(1);
    assertThat(single.get(0).history().itemIds()).isEmpty();
    assertThat(single.get(0).targetItemId()).isEqualTo("i0");
    assertThat(sampler.sample(List.of(sequence(0)), 0)).isEmpty();
    // The non-empty policy never draws position 0 and skips one-item sequences.
    FineTuneSampler nonEmpty = new FineTuneSampler(Policy.RANDOM_TARGET, 3L);
    assertThat(nonEmpty.sample(List.of(sequence(1)), 0)).isEmpty();
    for (int epoch = 0; epoch < 200; epoch++) {
      assertThat(nonEmpty.sample(List.of(sequence(4)), epoch).get(0).targetPosition())
          .isBetween(1, 3);
    }
  }

  @Test
  void allPrefixesGivesEveryPrefix() throws IOException {
    List<UserHistory> train =
        LeaveOneOutSplit.of(Datasets.importAuto(TestData.unisrec()).dataset()).train();
    List<TrainingSample> samples =
        new FineTuneSampler(FineTuneSampler.Policy.ALL_PREFIXES, 1L).sample(train, 0);
    // Oracle: the UniSRec train file has one row per prefix: 34,101 rows.
    assertThat(samples).hasSize(34_101);
    List<TrainingSample> small =
        new FineTuneSampler(FineTuneSampler.Policy.ALL_PREFIXES, 1L)
            .sample(List.of(sequence(4)), 0);
    assertThat(small).extracting(TrainingSample::targetPosition).containsExactly(1, 2, 3);
    assertThat(small.get(2).history().itemIds()).containsExactly("i0", "i1", "i2");
  }

  private static List<Integer> positions(List<TrainingSample> samples) {
    return samples.stream().map(TrainingSample::targetPosition).toList();
  }
}
