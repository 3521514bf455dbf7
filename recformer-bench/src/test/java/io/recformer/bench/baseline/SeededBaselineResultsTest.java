package io.recformer.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recformer.train.model.PyTorchThreads;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins what SASRec, GRU4Rec and BERT4Rec compute for a fixed seed on a tiny random dataset: the
 * training loss and validation NDCG@10 of each of three epochs and a few scores of the returned
 * model. The expected numbers were recorded from the code before the three baselines were folded
 * onto shared training and parameter classes (commit 9701820), so a refactoring that changes an
 * initialization draw, the shuffling, the masks or the dropout seed fails here. One intra-op thread
 * keeps PyTorch's reductions in a fixed order.
 */
class SeededBaselineResultsTest {

  private static final int ITEMS = 15;
  private static final List<int[]> TRAIN = new ArrayList<>();
  private static final List<IndexedExample> VALIDATION = new ArrayList<>();

  /** Scored after training: a short history and one longer than every model's window of 8. */
  private static final List<int[]> PROBES =
      List.of(new int[] {3, 4}, new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});

  @BeforeAll
  static void randomSequences() {
    PyTorchThreads.setIntraOpThreads(1);
    Random random = new Random(11);
    for (int u = 0; u < 30; u++) {
      int[] s = new int[3 + random.nextInt(10)];
      for (int i = 0; i < s.length; i++) {
        s[i] = random.nextInt(ITEMS);
      }
      TRAIN.add(Arrays.copyOf(s, s.length - 1));
      VALIDATION.add(new IndexedExample(Arrays.copyOf(s, s.length - 1), s[s.length - 1]));
    }
  }

  /** Losses and validation NDCG@10 by epoch, then scores of items 0..2 for each probe. */
  private static double[] observed(TrainingSummary summary, SequenceScorer model) {
    assertThat(summary.epochsRun()).isEqualTo(3);
    List<Double> values = new ArrayList<>(summary.trainLoss());
    values.addAll(summary.validationNdcg10());
    for (float[] row : model.score(PROBES)) {
      for (int i = 0; i < 3; i++) {
        values.add((double) row[i]);
      }
    }
    double[] out = values.stream().mapToDouble(Double::doubleValue).toArray();
    // Printed so that a deliberate change of the numerics can re-record them.
    System.out.println(
        model.name() + " " + Arrays.toString(out).replace(", ", ",").toLowerCase(Locale.ROOT));
    return out;
  }

  private static void assertPinned(double[] actual, double... expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("value %d", i).isCloseTo(expected[i], within(1e-6));
    }
  }

  @Test
  void sasrecIsPinned() {
    SasRecConfig config = new SasRecConfig(16, 2, 1, 32, 8, 0.2f, 0.2f, 1e-2f, 8, 3, 3, 16, 5L);
    try (SasRec model = SasRec.train(config, ITEMS, TRAIN, VALIDATION)) {
      assertPinned(
          observed(model.summary(), model),
          // loss by epoch
          2.703448893075966,
          2.606641474976597,
          2.5373889380190744,
          // validation NDCG@10 by epoch
          0.2888637044973702,
          0.28641270659432405,
          0.28871960157140203,
          // scores of items 0..2, short then long probe
          -0.1120816022157669,
          -0.2687074542045593,
          -0.051509685814380646,
          0.06962450593709946,
          0.06876885145902634,
          -0.01860964298248291);
    }
  }

  @Test
  void gru4recIsPinned() {
    Gru4RecConfig config = new Gru4RecConfig(8, 16, 0.2f, 8, 1e-2f, 8, 3, 3, 16, 5L);
    try (TrainedBaseline model = Gru4Rec.train(config, ITEMS, TRAIN, VALIDATION)) {
      assertPinned(
          observed(model.summary(), model),
          // loss by epoch
          2.707440333194043,
          2.6810521849666733,
          2.659847496503807,
          // validation NDCG@10 by epoch
          0.3309283390386934,
          0.29730585146245564,
          0.29133612828457955,
          // scores of items 0..2, short then long probe
          0.13883396983146667,
          0.055129531770944595,
          -0.13678942620754242,
          0.1549507975578308,
          0.09450016915798187,
          -0.1709313690662384);
    }
  }

  @Test
  void bert4recIsPinned() {
    Bert4RecConfig config =
        new Bert4RecConfig(16, 2, 1, 32, 8, 0.2f, 0.2f, 0.3f, 1e-2f, 8, 3, 3, 16, 5L);
    try (TrainedBaseline model = Bert4Rec.train(config, ITEMS, TRAIN, VALIDATION)) {
      assertPinned(
          observed(model.summary(), model),
          // loss by epoch
          2.694288954060739,
          2.602140660061262,
          2.8718108544174914,
          // validation NDCG@10 by epoch
          0.2873015829155085,
          0.28966562070591045,
          0.24000624205083676,
          // scores of items 0..2, short then long probe
          -0.09506560117006302,
          -0.8074381351470947,
          -1.1208293437957764,
          -0.0766754299402237,
          -0.8104282021522522,
          -1.1225883960723877);
    }
  }
}
