package io.recformer.train.pretrain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * BERT's masked-language-model corruption with whole-word masking (reference section 4): about 15%
 * of the maskable tokens are chosen, always whole words (a word is a token flagged as a word start
 * plus the following tokens that are not: WordPiece {@code ##} continuations and byte-level BPE
 * pieces without a leading space, as {@code TokenizedItem.wordStarts()} marks them); of the chosen
 * tokens 80% become [MASK], 10% a random vocabulary token and 10% stay. Special tokens ([CLS],
 * [PAD], ...) are never chosen; padding is not part of the unpadded sequences given here.
 *
 * <p>Words are visited in random order and added while the chosen count stays within {@code max(1,
 * round(0.15 * maskable))}, skipping words that would overshoot, like Hugging Face's
 * whole-word-mask collator. Not thread-safe (one {@link Random}).
 */
public final class WholeWordMasker {

  /** Label of a position that is not predicted. */
  public static final int IGNORE = -1;

  private final double probability;
  private final int maskId;
  private final int vocabSize;
  private final IntPredicate special;
  private final Random random;

  /** One corrupted sequence: model input ids and, per position, the original id or IGNORE. */
  // Arrays for speed: equals and hashCode below compare the arrays' contents.
  @SuppressWarnings("ArrayRecordComponent")
  public record Masked(int[] inputIds, int[] labels) {

    @Override
    public boolean equals(Object o) {
      return o instanceof Masked m
          && Arrays.equals(inputIds, m.inputIds)
          && Arrays.equals(labels, m.labels);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(inputIds) + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
      return "Masked[inputIds="
          + Arrays.toString(inputIds)
          + ", labels="
          + Arrays.toString(labels)
          + "]";
    }
  }

  /**
   * @param probability fraction of maskable tokens to choose (0.15 in BERT and Recformer)
   * @param special true for token ids that must never be chosen
   */
  public WholeWordMasker(
      double probability, int maskId, int vocabSize, IntPredicate special, long seed) {
    if (!(probability > 0 && probability < 1)) {
      throw new IllegalArgumentException("probability = " + probability + " must be in (0, 1)");
    }
    if (maskId < 0 || maskId >= vocabSize) {
      throw new IllegalArgumentException(
          "maskId = " + maskId + " must be in [0, " + vocabSize + ")");
    }
    this.probability = probability;
    this.maskId = maskId;
    this.vocabSize = vocabSize;
    this.special = special;
    this.random = new Random(seed);
  }

  /** Corrupts one unpadded sequence; {@code wordStarts} is aligned with {@code inputIds}. */
  public Masked mask(int[] inputIds, boolean[] wordStarts) {
    if (inputIds.length != wordStarts.length) {
      throw new IllegalArgumentException(
          "wordStarts has " + wordStarts.length + " flags for " + inputIds.length + " tokens");
    }
    List<int[]> words = new ArrayList<>();
    int maskable = 0;
    int start = -1;
    for (int i = 0; i <= inputIds.length; i++) {
      boolean boundary = i == inputIds.length || special.test(inputIds[i]) || wordStarts[i];
      if (boundary && start >= 0) {
        words.add(new int[] {start, i});
        start = -1;
      }
      if (i < inputIds.length && !special.test(inputIds[i])) {
        maskable++;
        if (start < 0) {
          start = i;
        }
      }
    }
    int[] ids = inputIds.clone();
    int[] labels = new int[ids.length];
    Arrays.fill(labels, IGNORE);
    if (maskable == 0) {
      return new Masked(ids, labels);
    }
    int budget = Math.max(1, (int) Math.round(maskable * probability));
    for (int i = words.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int[] t = words.get(i);
      words.set(i, words.get(j));
      words.set(j, t);
    }
    int chosen = 0;
    for (int[] word : words) {
      if (chosen >= budget) {
        break;
      }
      int size = word[1] - word[0];
      if (chosen + size > budget) {
        continue;
      }
      chosen += size;
      for (int p = word[0]; p < word[1]; p++) {
        labels[p] = inputIds[p];
        double r = random.nextDouble();
        if (r < 0.8) {
          ids[p] = maskId;
        } else if (r < 0.9) {
          ids[p] = random.nextInt(vocabSize);
        }
      }
    }
    return new Masked(ids, labels);
  }
}
