package io.recformer.train.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class WholeWordMaskerTest {

  private static final int CLS = 101;
  private static final int MASK = 103;
  private static final int VOCAB = 30522;

  /** Random sequences: CLS, then words of 1-3 tokens (ids >= 1000). */
  private static Object[] sequence(Random r, int tokens) {
    int[] ids = new int[tokens];
    boolean[] starts = new boolean[tokens];
    ids[0] = CLS;
    starts[0] = true;
    int i = 1;
    while (i < tokens) {
      int len = 1 + r.nextInt(3);
      for (int k = 0; k < len && i < tokens; k++, i++) {
        ids[i] = 1000 + r.nextInt(20000);
        starts[i] = k == 0;
      }
    }
    return new Object[] {ids, starts};
  }

  @Test
  void masksAbout15PercentOfTokensAsWholeWordsWith80_10_10AndNeverSpecials() {
    WholeWordMasker masker = new WholeWordMasker(0.15, MASK, VOCAB, id -> id == CLS, 5);
    Random r = new Random(9);
    long maskable = 0;
    long chosen = 0;
    long masked = 0;
    long unchanged = 0;
    long replaced = 0;
    for (int s = 0; s < 4000; s++) {
      Object[] seq = sequence(r, 20 + r.nextInt(100));
      int[] ids = (int[]) seq[0];
      boolean[] starts = (boolean[]) seq[1];
      WholeWordMasker.Masked m = masker.mask(ids, starts);
      assertThat(m.labels()[0]).as("CLS never chosen").isEqualTo(WholeWordMasker.IGNORE);
      assertThat(m.inputIds()[0]).isEqualTo(CLS);
      maskable += ids.length - 1;
      for (int i = 1; i < ids.length; i++) {
        boolean picked = m.labels()[i] != WholeWordMasker.IGNORE;
        if (i + 1 < ids.length && !starts[i + 1]) {
          // A continuation shares its word's fate.
          assertThat(m.labels()[i + 1] != WholeWordMasker.IGNORE)
              .as("whole word at %d", i)
              .isEqualTo(picked);
        }
        if (!picked) {
          assertThat(m.inputIds()[i]).isEqualTo(ids[i]);
          continue;
        }
        assertThat(m.labels()[i]).isEqualTo(ids[i]);
        chosen++;
        if (m.inputIds()[i] == MASK) {
          masked++;
        } else if (m.inputIds()[i] == ids[i]) {
          unchanged++;
        } else {
          replaced++;
        }
      }
    }
    assertThat((double) chosen / maskable).isCloseTo(0.15, within(0.01));
    assertThat((double) masked / chosen).isCloseTo(0.8, within(0.01));
    // A random replacement can draw the original token (probability 1/30522): negligible.
    assertThat((double) replaced / chosen).isCloseTo(0.1, within(0.01));
    assertThat((double) unchanged / chosen).isCloseTo(0.1, within(0.01));
  }

  @Test
  void specialTokensInsideTheSequenceAreNeverChosenAndSplitWords() {
    WholeWordMasker masker = new WholeWordMasker(0.5, MASK, VOCAB, id -> id < 1000, 1);
    int[] ids = {CLS, 2000, 2001, 0, 0, 3000};
    boolean[] starts = {true, true, false, false, false, true};
    for (int k = 0; k < 200; k++) {
      WholeWordMasker.Masked m = masker.mask(ids, starts);
      assertThat(m.labels()[0]).isEqualTo(WholeWordMasker.IGNORE);
      assertThat(m.labels()[3]).isEqualTo(WholeWordMasker.IGNORE);
      assertThat(m.labels()[4]).isEqualTo(WholeWordMasker.IGNORE);
      assertThat(m.labels()[1] == WholeWordMasker.IGNORE)
          .isEqualTo(m.labels()[2] == WholeWordMasker.IGNORE);
    }
  }

  @Test
  void sameSeedSameMasks() {
    int[] ids = {CLS, 2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009};
    boolean[] starts = {true, true, true, true, true, true, true, true, true, true, true};
    WholeWordMasker a = new WholeWordMasker(0.15, MASK, VOCAB, id -> id == CLS, 3);
    WholeWordMasker b = new WholeWordMasker(0.15, MASK, VOCAB, id -> id == CLS, 3);
    for (int k = 0; k < 20; k++) {
      WholeWordMasker.Masked fromA = a.mask(ids, starts);
      WholeWordMasker.Masked fromB = b.mask(ids, starts);
      assertThat(fromA.labels()).containsExactly(fromB.labels());
      // Records compare the arrays' contents, not their identity.
      assertThat(fromA).isEqualTo(fromB).hasSameHashCodeAs(fromB);
    }
    WholeWordMasker other = new WholeWordMasker(0.5, MASK, VOCAB, id -> id == CLS, 4);
    assertThat(other.mask(ids, starts)).isNotEqualTo(a.mask(ids, starts));
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new WholeWordMasker(1.5, MASK, VOCAB, id -> false, 1))
        .hasMessage("probability = 1.5 must be in (0, 1)");
    WholeWordMasker m = new WholeWordMasker(0.15, MASK, VOCAB, id -> false, 1);
    assertThatThrownBy(() -> m.mask(new int[3], new boolean[2]))
        .hasMessage("wordStarts has 2 flags for 3 tokens");
  }
}
