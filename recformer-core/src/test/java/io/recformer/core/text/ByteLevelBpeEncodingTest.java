package io.recformer.core.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.Item;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden tests on the hand-written RoBERTa-style byte-level BPE file: ids and merges are read off
 * tiny-bytelevel-bpe.json, the merges applied by hand in rank order.
 */
class ByteLevelBpeEncodingTest {

  private static final int S = 0; // <s>
  private static final int PAD = 1; // <pad>
  private static final int D = 7;
  private static final int G = 9;
  private static final int O = 13;
  private static final int W = 17;
  private static final int TITLE = 22;
  private static final int SP_G = 23; // Ġg
  private static final int LUE = 25;
  private static final int SP_GLUE = 26; // Ġglue
  private static final int OO = 28;
  private static final int SP_WOOD = 30; // Ġwood
  private static final int BRAND = 34;
  private static final int RI = 36;
  private static final int GORI = 38;
  private static final int LLA = 39;

  private static final Item X1 = Item.of("X1", "title", "wood glue", "brand", "gorilla");
  private static final Item X2 = Item.of("X2", "title", "wood gorilla");

  private static RecformerTokenizer open(RecformerConfig config) throws IOException {
    return RecformerTokenizer.open(TestTokenizers.resource(TestTokenizers.TINY_BPE), config);
  }

  @Test
  void detectsFamilyAndSpecialTokens() throws IOException {
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyRoberta().build())) {
      assertThat(tokenizer.family()).isEqualTo(VocabularyFamily.BYTE_LEVEL_BPE);
      assertThat(tokenizer.vocabSize()).isEqualTo(40);
      assertThat(tokenizer.clsId()).isEqualTo(0);
      assertThat(tokenizer.padId()).isEqualTo(1);
      assertThat(tokenizer.sepId()).isEqualTo(2);
      assertThat(tokenizer.unkId()).isEqualTo(3);
      assertThat(tokenizer.maskId()).isEqualTo(4);
      for (int id = 0; id < 40; id++) {
        assertThat(tokenizer.isSpecial(id)).as("isSpecial(%d)", id).isEqualTo(id <= 4);
      }
      assertThat(tokenizer.token(SP_GLUE)).isEqualTo("\u0120glue");
      assertThat(tokenizer.startsWord(SP_GLUE)).isTrue();
      assertThat(tokenizer.startsWord(SP_G)).isTrue();
      assertThat(tokenizer.startsWord(LLA)).isFalse();
      assertThat(tokenizer.startsWord(TITLE))
          .isFalse(); // no space marker: only first-of-key makes it a start
      assertThat(tokenizer.startsWord(S)).isTrue();
    }
  }

  @Test
  void piecesFollowTheMergeRanks() throws IOException {
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyRoberta().build())) {
      // "title": t i t l e -> ti t l e -> tit l e -> tit le -> title
      assertThat(tokenizer.tokenize("title")).containsExactly(TITLE);
      // No leading space: w o o d -> w oo d (there is no "w oo" merge, only "Ġw oo").
      assertThat(tokenizer.tokenize("wood")).containsExactly(W, OO, D);
      assertThat(tokenizer.tokenize(" wood")).containsExactly(SP_WOOD);
      // g o r i l l a -> go r i l l a -> go ri l l a -> go ri ll a -> gori ll a -> gori lla
      assertThat(tokenizer.tokenize("gorilla")).containsExactly(GORI, LLA);
      // Ġ g o r i l l a -> Ġg o r i l l a -> Ġg o ri l l a -> Ġg o ri ll a -> Ġg o ri lla
      assertThat(tokenizer.tokenize(" gorilla")).containsExactly(SP_G, O, RI, LLA);
      assertThat(tokenizer.tokenize("glue")).containsExactly(G, LUE);
    }
  }

  @Test
  void singleItemWithOffsetTwoPositions() throws IOException {
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyRoberta().build())) {
      EncodedSequence s = tokenizer.encodeItem(X1);
      assertThat(s.inputIds())
          .containsExactly(
              S, TITLE, W, OO, D, SP_GLUE, // title | wood glue
              BRAND, GORI, LLA); // brand | gorilla
      assertThat(s.tokenTypeIds()).containsExactly(0, 1, 2, 2, 2, 2, 1, 2, 2);
      assertThat(s.tokenPositionIds()).containsExactly(2, 3, 4, 5, 6, 7, 8, 9, 10);
      assertThat(s.itemPositionIds()).containsExactly(0, 1, 1, 1, 1, 1, 1, 1, 1);
      // First piece of every key and value starts a word even without the space marker.
      assertThat(tokenizer.tokenizeItem(X1).wordStarts())
          .containsExactly(true, true, false, false, true, true, true, false);
    }
  }

  @Test
  void historyWithAWordSplitIntoFourPieces() throws IOException {
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyRoberta().build())) {
      EncodedSequence s = tokenizer.encodeHistory(List.of(X2, X1));
      assertThat(s.inputIds())
          .containsExactly(
              S, TITLE, W, OO, D, SP_GLUE, BRAND, GORI, LLA, // X1 (newest)
              TITLE, W, OO, D, SP_G, O, RI, LLA); // X2: title | wood gorilla
      assertThat(s.tokenTypeIds())
          .containsExactly(0, 1, 2, 2, 2, 2, 1, 2, 2, 1, 2, 2, 2, 2, 2, 2, 2);
      assertThat(s.tokenPositionIds())
          .containsExactly(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18);
      assertThat(s.itemPositionIds())
          .containsExactly(0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2);
      List<TokenizedItem> items = tokenizer.tokenizeItems(List.of(X2, X1));
      assertThat(tokenizer.sequenceEncoder().wordStarts(items))
          .containsExactly(
              true, true, true, false, false, true, true, true, false, true, true, false, false,
              true, false, false, false);
    }
  }

  @Test
  void collatesToTheWindowWithRobertaPadding() throws IOException {
    RecformerConfig config = TestTokenizers.tinyRoberta().attentionWindow(8).build();
    try (RecformerTokenizer tokenizer = open(config)) {
      EncodedSequence history = tokenizer.encodeHistory(List.of(X2, X1)); // 17 tokens
      EncodedSequence item = tokenizer.encodeItem(X2); // 9 tokens
      EncodedBatch batch =
          BatchCollator.forLongformer(config, tokenizer.padId()).collate(List.of(history, item));
      assertThat(batch.batchSize()).isEqualTo(2);
      assertThat(batch.length()).isEqualTo(24); // 17 rounded up to a multiple of 8
      int[] expectedIds = {
        S, TITLE, W, OO, D, SP_GLUE, BRAND, GORI, LLA, TITLE, W, OO, D, SP_G, O, RI, LLA, PAD, PAD,
        PAD, PAD, PAD, PAD, PAD, S, TITLE, W, OO, D, SP_G, O, RI, LLA, PAD, PAD, PAD, PAD, PAD, PAD,
        PAD, PAD, PAD, PAD, PAD, PAD, PAD, PAD, PAD
      };
      assertThat(batch.inputIds()).containsExactly(expectedIds);
      assertThat(batch.tokenTypeIds())
          .containsExactly(
              0, 1, 2, 2, 2, 2, 1, 2, 2, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 0, 1, 2, 2, 2,
              2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3);
      // Real tokens count from 2; padding gets Hugging Face's RoBERTa padding index 1.
      assertThat(batch.tokenPositionIds())
          .containsExactly(
              2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 1, 1, 1, 1, 1, 1, 1, 2, 3,
              4, 5, 6, 7, 8, 9, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
      // Padding takes the last item-position row, maxItemPositions - 1 = 50.
      assertThat(batch.itemPositionIds())
          .containsExactly(
              0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 50, 50, 50, 50, 50, 50, 50, 0, 1,
              1, 1, 1, 1, 1, 1, 1, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50);
      assertThat(batch.attentionMask())
          .containsExactly(
              1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1,
              1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      assertThat(batch.globalAttentionMask())
          .containsExactly(
              1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
              0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      assertThat(batch.sequenceLength(0)).isEqualTo(17);
      assertThat(batch.sequenceLength(1)).isEqualTo(9);
      assertThat(batch.realTokens()).isEqualTo(26);
    }
  }
}
