package io.recformer.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.config.RecformerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Padding of hand-built sequences, every value of every array checked. */
class BatchCollatorTest {

  // BERT-style positions (offset 0) so padding token position is max(0 - 1, 0) = 0.
  private static final RecformerConfig BERT =
      RecformerConfig.miniLmL6().toBuilder()
          .attentionWindow(4)
          .maxItems(5)
          .maxItemPositions(7)
          .build();

  private static final EncodedSequence THREE =
      new EncodedSequence(
          new int[] {101, 7, 8}, new int[] {0, 1, 2}, new int[] {0, 1, 2}, new int[] {0, 1, 1});
  private static final EncodedSequence FIVE =
      new EncodedSequence(
          new int[] {101, 7, 9, 7, 10},
          new int[] {0, 1, 2, 1, 2},
          new int[] {0, 1, 2, 3, 4},
          new int[] {0, 1, 1, 2, 2});
  private static final EncodedSequence TWO =
      new EncodedSequence(
          new int[] {101, 11}, new int[] {0, 1}, new int[] {0, 1}, new int[] {0, 1});

  @Test
  void padsToAMultipleOfTheWindow() {
    EncodedBatch batch = BatchCollator.forLongformer(BERT, 0).collate(List.of(THREE, FIVE, TWO));
    assertThat(batch.batchSize()).isEqualTo(3);
    assertThat(batch.length()).isEqualTo(8); // longest 5, window 4
    assertThat(batch.inputIds())
        .containsExactly(
            101, 7, 8, 0, 0, 0, 0, 0, 101, 7, 9, 7, 10, 0, 0, 0, 101, 11, 0, 0, 0, 0, 0, 0);
    assertThat(batch.tokenTypeIds())
        .containsExactly(0, 1, 2, 3, 3, 3, 3, 3, 0, 1, 2, 1, 2, 3, 3, 3, 0, 1, 3, 3, 3, 3, 3, 3);
    assertThat(batch.tokenPositionIds())
        .containsExactly(0, 1, 2, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0);
    assertThat(batch.itemPositionIds())
        .containsExactly( // padding: maxItemPositions - 1 = 6
            0, 1, 1, 6, 6, 6, 6, 6, 0, 1, 1, 2, 2, 6, 6, 6, 0, 1, 6, 6, 6, 6, 6, 6);
    assertThat(batch.attentionMask())
        .containsExactly(1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0);
    assertThat(batch.globalAttentionMask())
        .containsExactly(1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void unroundedPadsToTheLongestAndUsesRobertaPadPosition() {
    RecformerConfig roberta =
        RecformerConfig.longformerBase().toBuilder().maxItems(5).maxItemPositions(6).build();
    EncodedSequence a =
        new EncodedSequence(new int[] {0, 7}, new int[] {0, 1}, new int[] {2, 3}, new int[] {0, 1});
    EncodedSequence b =
        new EncodedSequence(
            new int[] {0, 7, 8}, new int[] {0, 1, 2}, new int[] {2, 3, 4}, new int[] {0, 1, 1});
    EncodedBatch batch = BatchCollator.unrounded(roberta, 1).collate(List.of(a, b));
    assertThat(batch.length()).isEqualTo(3);
    assertThat(batch.inputIds()).containsExactly(0, 7, 1, 0, 7, 8);
    assertThat(batch.tokenTypeIds()).containsExactly(0, 1, 3, 0, 1, 2);
    assertThat(batch.tokenPositionIds()).containsExactly(2, 3, 1, 2, 3, 4); // pad: offset 2 - 1 = 1
    assertThat(batch.itemPositionIds()).containsExactly(0, 1, 5, 0, 1, 1);
    assertThat(batch.attentionMask()).containsExactly(1, 1, 0, 1, 1, 1);
    assertThat(batch.globalAttentionMask()).containsExactly(1, 0, 0, 1, 0, 0);
  }

  @Test
  void exactMultipleGetsNoExtraPadding() {
    EncodedBatch batch = new BatchCollator(BERT, 0, 5).collate(List.of(FIVE));
    assertThat(batch.length()).isEqualTo(5);
    assertThat(batch.attentionMask()).containsExactly(1, 1, 1, 1, 1);
    assertThat(new BatchCollator(BERT, 0, 64).paddedLength(65)).isEqualTo(128);
    assertThat(new BatchCollator(BERT, 0, 64).paddedLength(64)).isEqualTo(64);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> BatchCollator.unrounded(BERT, 0).collate(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot collate an empty list of sequences into a batch");
    assertThatThrownBy(() -> new BatchCollator(BERT, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lengthMultiple = 0 is out of range: must be >= 1");
    assertThatThrownBy(() -> new BatchCollator(BERT, 30522, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("padId = 30522 is out of range: must be in [0, 30522) (config vocabSize)");
  }
}
