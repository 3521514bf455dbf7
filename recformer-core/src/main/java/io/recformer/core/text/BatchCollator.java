package io.recformer.core.text;

import io.recformer.core.config.RecformerConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Pads encoded sequences into one {@link EncodedBatch} (reference section 2, step 5). Rows are as
 * long as the longest sequence, rounded up to a multiple of the attention window because
 * Longformer's sliding-window attention works on whole windows; engines without that need can use
 * {@link #unrounded}.
 *
 * <p>Padding values: the pad token id, token type 3, token position {@code max(positionOffset - 1,
 * 0)} (Hugging Face's padding index for RoBERTa-style positions, 0 for BERT), item position {@code
 * maxItemPositions - 1} (the last row of the item-position table, as the original code pads),
 * attention mask 0 and global-attention mask 0. Real tokens get attention mask 1; [CLS], position 0
 * of every row, gets global-attention mask 1.
 */
public final class BatchCollator {

  private final int padId;
  private final int lengthMultiple;
  private final int padTokenPosition;
  private final int padItemPosition;

  /**
   * @param config supplies the padding positions
   * @param padId the tokenizer's pad token id
   * @param lengthMultiple rows are padded to a multiple of this (1 = no rounding)
   */
  public BatchCollator(RecformerConfig config, int padId, int lengthMultiple) {
    Objects.requireNonNull(config, "config");
    if (padId < 0 || padId >= config.vocabSize()) {
      throw new IllegalArgumentException(
          "padId = "
              + padId
              + " is out of range: must be in [0, "
              + config.vocabSize()
              + ") (config vocabSize)");
    }
    if (lengthMultiple < 1) {
      throw new IllegalArgumentException(
          "lengthMultiple = " + lengthMultiple + " is out of range: must be >= 1");
    }
    this.padId = padId;
    this.lengthMultiple = lengthMultiple;
    this.padTokenPosition = Math.max(config.positionOffset() - 1, 0);
    this.padItemPosition = config.maxItemPositions() - 1;
  }

  /** Pads to a multiple of {@code config.attentionWindow()}, as Longformer needs. */
  public static BatchCollator forLongformer(RecformerConfig config, int padId) {
    return new BatchCollator(config, padId, config.attentionWindow());
  }

  /** Pads to the longest sequence only. */
  public static BatchCollator unrounded(RecformerConfig config, int padId) {
    return new BatchCollator(config, padId, 1);
  }

  /** The padded length for sequences whose longest has {@code longest} tokens. */
  public int paddedLength(int longest) {
    return Math.multiplyExact((longest + lengthMultiple - 1) / lengthMultiple, lengthMultiple);
  }

  /**
   * Pads the sequences into a batch, one row each in the given order.
   *
   * @throws IllegalArgumentException if the list is empty
   */
  public EncodedBatch collate(List<EncodedSequence> sequences) {
    Objects.requireNonNull(sequences, "sequences");
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("cannot collate an empty list of sequences into a batch");
    }
    int longest = 0;
    for (EncodedSequence sequence : sequences) {
      longest = Math.max(longest, sequence.length());
    }
    int batch = sequences.size();
    int length = paddedLength(longest);
    int n = Math.multiplyExact(batch, length);
    int[] ids = new int[n];
    int[] types = new int[n];
    int[] tokenPositions = new int[n];
    int[] itemPositions = new int[n];
    int[] attention = new int[n];
    int[] global = new int[n];
    for (int b = 0; b < batch; b++) {
      EncodedSequence sequence = sequences.get(b);
      int row = b * length;
      int real = sequence.length();
      System.arraycopy(sequence.inputIdsView(), 0, ids, row, real);
      System.arraycopy(sequence.tokenTypeIdsView(), 0, types, row, real);
      System.arraycopy(sequence.tokenPositionIdsView(), 0, tokenPositions, row, real);
      System.arraycopy(sequence.itemPositionIdsView(), 0, itemPositions, row, real);
      Arrays.fill(attention, row, row + real, 1);
      global[row] = 1;
      int end = row + length;
      Arrays.fill(ids, row + real, end, padId);
      Arrays.fill(types, row + real, end, RecformerConfig.TYPE_PAD);
      Arrays.fill(tokenPositions, row + real, end, padTokenPosition);
      Arrays.fill(itemPositions, row + real, end, padItemPosition);
    }
    return EncodedBatch.wrap(
        batch, length, ids, types, tokenPositions, itemPositions, attention, global);
  }
}
