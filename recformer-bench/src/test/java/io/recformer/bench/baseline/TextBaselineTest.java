package io.recformer.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextBaselineTest {

  /** Unit vectors: three axes and one diagonal. */
  private static final float[][] VECTORS = {
    {1, 0, 0},
    {0, 1, 0},
    {0, 0, 1},
    {(float) Math.sqrt(0.5), (float) Math.sqrt(0.5), 0},
  };

  @Test
  void recencyWeightsDecayGeometricallyFromTheMostRecentItem() {
    TextBaseline text = new TextBaseline(VECTORS, 0.5, "text");
    // History 0, 1, 2 (2 most recent): weights 0.25, 0.5, 1 -> (0.25, 0.5, 1) / |.|.
    double norm = Math.sqrt(0.25 * 0.25 + 0.5 * 0.5 + 1);
    double[] h = text.historyVector(new int[] {0, 1, 2});
    assertThat(h[0]).isCloseTo(0.25 / norm, within(1e-12));
    assertThat(h[1]).isCloseTo(0.5 / norm, within(1e-12));
    assertThat(h[2]).isCloseTo(1 / norm, within(1e-12));
    float[] scores = text.score(List.of(new int[] {0, 1, 2}))[0];
    assertThat(scores[0]).isCloseTo((float) (0.25 / norm), within(1e-6f));
    assertThat(scores[2]).isCloseTo((float) (1 / norm), within(1e-6f));
    // Diagonal item: cosine = (0.25 + 0.5) * sqrt(0.5) / norm.
    assertThat(scores[3]).isCloseTo((float) (0.75 * Math.sqrt(0.5) / norm), within(1e-6f));
  }

  @Test
  void decayOneIsThePlainMeanAndZeroTheLastItem() {
    float[] mean = new TextBaseline(VECTORS, 1.0, "text").score(List.of(new int[] {0, 1}))[0];
    assertThat(mean[3]).isCloseTo(1f, within(1e-6f));
    assertThat(mean[0]).isCloseTo((float) Math.sqrt(0.5), within(1e-6f));
    float[] last = new TextBaseline(VECTORS, 0.0, "text").score(List.of(new int[] {0, 1}))[0];
    assertThat(last[1]).isCloseTo(1f, within(1e-6f));
    assertThat(last[0]).isCloseTo(0f, within(1e-6f));
  }

  /**
   * The per-item dot product the tiled scoring replaced: double history vector times float item
   * values, summed in dimension order, rounded to float. Ranks depend only on the scores, so equal
   * scores mean equal ranks and ties under every policy.
   */
  private static float[] referenceRow(TextBaseline text, float[][] vectors, int[] history) {
    double[] h = text.historyVector(history);
    float[] row = new float[vectors.length];
    for (int i = 0; i < vectors.length; i++) {
      double s = 0;
      for (int j = 0; j < h.length; j++) {
        s += h[j] * vectors[i][j];
      }
      row[i] = (float) s;
    }
    return row;
  }

  @Test
  void tiledScoringIsBitIdenticalToThePerItemDotProduct() {
    // Several tiles with a ragged last one, duplicated vectors (exact ties), a zero vector.
    int items = 3 * TextBaseline.TILE + 37;
    int d = 48;
    Random random = new Random(11);
    float[][] vectors = new float[items][d];
    for (int i = 0; i < items; i++) {
      if (i % 50 == 7) {
        vectors[i] = vectors[i - 1].clone();
        continue;
      }
      double norm = 0;
      for (int j = 0; j < d; j++) {
        vectors[i][j] = (float) random.nextGaussian();
        norm += vectors[i][j] * vectors[i][j];
      }
      for (int j = 0; j < d && i != 3; j++) {
        vectors[i][j] /= (float) Math.sqrt(norm);
      }
    }
    Arrays.fill(vectors[3], 0f);
    List<int[]> histories = new ArrayList<>();
    for (int u = 0; u < 70; u++) {
      int[] h = new int[1 + random.nextInt(12)];
      for (int k = 0; k < h.length; k++) {
        h[k] = random.nextInt(items);
      }
      histories.add(h);
    }
    for (double decay : new double[] {1.0, 0.6, 0.0}) {
      TextBaseline text = new TextBaseline(vectors, 1.0, "text").withDecay(decay);
      float[][] rows = text.score(histories);
      for (int u = 0; u < histories.size(); u++) {
        float[] expected = referenceRow(text, vectors, histories.get(u));
        for (int i = 0; i < items; i++) {
          assertThat(Float.floatToRawIntBits(rows[u][i]))
              .as("decay %s user %d item %d", decay, u, i)
              .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
      }
    }
  }

  @Test
  void rejectsBadInputs() {
    assertThatThrownBy(() -> new TextBaseline(VECTORS, 1.5, "text"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decay = 1.5 must be in [0, 1]");
    assertThatThrownBy(() -> new TextBaseline(new float[][] {{1, 0}, {1}}, 0.5, "text"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("item vector 1 has dimension 1, expected 2 like item 0");
    TextBaseline text = new TextBaseline(VECTORS, 0.5, "text");
    assertThatThrownBy(() -> text.historyVector(new int[] {4}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("history item index 4 is out of range: must be in [0, 4)");
  }
}
