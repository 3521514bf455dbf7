package io.recformer.core.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.AttributeLayout;
import io.recformer.core.item.Item;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Golden tests on the hand-written 40-token WordPiece file (src/test/resources/tokenizers): every
 * expected id below is read off that file's vocabulary.
 */
class WordPieceEncodingTest {

  // Vocabulary of tiny-wordpiece.json used below.
  private static final int CLS = 2;
  private static final int UNK = 1;
  private static final int TITLE = 5;
  private static final int BRAND = 6;
  private static final int CATEGORY = 7;
  private static final int WOOD = 8;
  private static final int GLUE = 9;
  private static final int GORILLA = 10;
  private static final int IKEA = 11;
  private static final int LAMP = 12;
  private static final int HASH_S = 13;
  private static final int AMP = 15;
  private static final int HOME = 16;
  private static final int KITCHEN = 17;
  private static final int RED = 18;
  private static final int DESK = 20;
  private static final int PEN = 23;
  private static final int HASH_CIL = 24;
  private static final int SET = 25;
  private static final int OF = 26;
  private static final int TEN = 27;
  private static final int NOTE = 29;
  private static final int HASH_BOOK = 30;
  private static final int INK = 31;
  private static final int BLACK = 32;
  private static final int LAB = 34;
  private static final int GLASS = 35;
  private static final int BEAKER = 36;
  private static final int COMMA = 38;
  private static final int OFFICE = 22;

  // Oldest first: A, B, C.
  private static final Item A = Item.of("A", "title", "Pencil");
  private static final Item B = Item.of("B", "title", "Notebook", "brand", "Office");
  private static final Item C = Item.of("C", "title", "Black Ink");

  private static RecformerTokenizer open(RecformerConfig config) throws IOException {
    return RecformerTokenizer.open(TestTokenizers.resource(TestTokenizers.TINY_WORDPIECE), config);
  }

  @Test
  void detectsFamilyAndSpecialTokens() throws IOException {
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyBert().build())) {
      assertThat(tokenizer.family()).isEqualTo(VocabularyFamily.WORDPIECE);
      assertThat(tokenizer.vocabSize()).isEqualTo(40);
      assertThat(tokenizer.clsId()).isEqualTo(2);
      assertThat(tokenizer.padId()).isEqualTo(0);
      assertThat(tokenizer.maskId()).isEqualTo(4);
      assertThat(tokenizer.sepId()).isEqualTo(3);
      assertThat(tokenizer.unkId()).isEqualTo(1);
      for (int id = 0; id < 40; id++) {
        assertThat(tokenizer.isSpecial(id)).as("isSpecial(%d)", id).isEqualTo(id <= 4);
      }
      assertThat(tokenizer.token(HASH_CIL)).isEqualTo("##cil");
      assertThat(tokenizer.token(CLS)).isEqualTo("[CLS]");
      assertThat(tokenizer.startsWord(PEN)).isTrue();
      assertThat(tokenizer.startsWord(HASH_CIL)).isFalse();
      assertThat(tokenizer.startsWord(HASH_S)).isFalse();
      assertThat(tokenizer.startsWord(CLS)).isTrue();
    }
  }

  @Test
  void singleItemIgnoresTheFilesTruncationPaddingAndSpecialTokens() throws IOException {
    // The file asks for truncation to 4, padding to 8 and [CLS] ... [SEP]; all must be off.
    Item item =
        Item.of(
            "I1",
            "title",
            "Red Desk Lamps, Set of 10",
            "brand",
            "Gorilla",
            "category",
            "Home & Kitchen");
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyBert().build())) {
      EncodedSequence s = tokenizer.encodeItem(item);
      assertThat(s.inputIds())
          .containsExactly(
              CLS, TITLE, RED, DESK, LAMP, HASH_S, COMMA, SET, OF,
              TEN, // title: red desk lamp ##s , set of 10
              BRAND, GORILLA, // brand: gorilla
              CATEGORY, HOME, AMP, KITCHEN); // category: home & kitchen
      assertThat(s.tokenTypeIds()).containsExactly(0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2, 1, 2, 2, 2);
      assertThat(s.tokenPositionIds())
          .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
      assertThat(s.itemPositionIds())
          .containsExactly(0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);

      TokenizedItem tokens = tokenizer.tokenizeItem(item);
      assertThat(tokens.tokenIds())
          .containsExactly(
              TITLE, RED, DESK, LAMP, HASH_S, COMMA, SET, OF, TEN, BRAND, GORILLA, CATEGORY, HOME,
              AMP, KITCHEN);
      assertThat(tokens.tokenTypeIds())
          .containsExactly(1, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2, 1, 2, 2, 2);
      // "##s" continues "lamp"; every other piece starts a word.
      assertThat(tokens.wordStarts())
          .containsExactly(
              true, true, true, true, false, true, true, true, true, true, true, true, true, true,
              true);
    }
  }

  @Test
  void historyOfThreeIsReversedWithItemPositions() throws IOException {
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyBert().build())) {
      EncodedSequence s = tokenizer.encodeHistory(List.of(A, B, C));
      assertThat(s.inputIds())
          .containsExactly(
              CLS, TITLE, BLACK, INK, // C (newest): title: black ink
              TITLE, NOTE, HASH_BOOK, BRAND, OFFICE, // B: title: note ##book brand: office
              TITLE, PEN, HASH_CIL); // A (oldest): title: pen ##cil
      assertThat(s.tokenTypeIds()).containsExactly(0, 1, 2, 2, 1, 2, 2, 1, 2, 1, 2, 2);
      assertThat(s.tokenPositionIds()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
      assertThat(s.itemPositionIds()).containsExactly(0, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3);

      List<TokenizedItem> items = tokenizer.tokenizeItems(List.of(A, B, C));
      assertThat(tokenizer.sequenceEncoder().encodeHistory(items)).isEqualTo(s);
      assertThat(tokenizer.sequenceEncoder().wordStarts(items))
          .containsExactly(
              true, true, true, true, true, true, false, true, true, true, true, false);
    }
  }

  @Test
  void positionsStartAtTheConfiguredOffset() throws IOException {
    RecformerConfig config = TestTokenizers.tinyBert().positionOffset(2).maxPositions(1026).build();
    try (RecformerTokenizer tokenizer = open(config)) {
      EncodedSequence s = tokenizer.encodeHistory(List.of(A, C));
      assertThat(s.inputIds()).containsExactly(CLS, TITLE, BLACK, INK, TITLE, PEN, HASH_CIL);
      assertThat(s.tokenPositionIds()).containsExactly(2, 3, 4, 5, 6, 7, 8);
      assertThat(s.itemPositionIds()).containsExactly(0, 1, 1, 1, 2, 2, 2);
    }
  }

  @Test
  void attributePairIsCutTogetherWithKeyTokensCounting() throws IOException {
    RecformerConfig config = TestTokenizers.tinyBert().maxAttributeTokens(3).build();
    Item item =
        Item.of("T", "title", "Red Desk Lamps", "brand", "IKEA", "Lab Glass Beaker", "Wood Glue");
    try (RecformerTokenizer tokenizer = open(config)) {
      TokenizedItem tokens = tokenizer.tokenizeItem(item);
      assertThat(tokens.tokenIds())
          .containsExactly(
              TITLE, RED, DESK, // title red desk | lamp ##s cut
              BRAND, IKEA, // brand ikea (2 <= 3)
              LAB, GLASS,
              BEAKER); // a 3-token key fills the budget: the value "wood glue" is cut entirely
      assertThat(tokens.tokenTypeIds()).containsExactly(1, 2, 2, 1, 2, 1, 1, 1);
      EncodedSequence s = tokenizer.encodeItem(item);
      assertThat(s.inputIds())
          .containsExactly(CLS, TITLE, RED, DESK, BRAND, IKEA, LAB, GLASS, BEAKER);
      assertThat(s.tokenTypeIds()).containsExactly(0, 1, 2, 2, 1, 2, 1, 1, 1);
      assertThat(s.tokenPositionIds()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
      assertThat(s.itemPositionIds()).containsExactly(0, 1, 1, 1, 1, 1, 1, 1, 1);
    }
    RecformerConfig two = TestTokenizers.tinyBert().maxAttributeTokens(2).build();
    try (RecformerTokenizer tokenizer = open(two)) {
      // A key longer than the budget is itself cut: "lab glass beaker" -> lab glass.
      assertThat(tokenizer.tokenizeItem(item).tokenIds())
          .containsExactly(TITLE, RED, BRAND, IKEA, LAB, GLASS);
      assertThat(tokenizer.tokenizeItem(item).tokenTypeIds()).containsExactly(1, 2, 1, 2, 1, 1);
    }
  }

  @Test
  void onlyTheFirstMaxAttributesAreKeptInTheItemsOrder() throws IOException {
    RecformerConfig config = TestTokenizers.tinyBert().maxAttributes(2).build();
    Item item = Item.of("M", "brand", "Gorilla", "title", "Wood Glue", "category", "Home");
    try (RecformerTokenizer tokenizer = open(config)) {
      EncodedSequence s = tokenizer.encodeItem(item);
      assertThat(s.inputIds()).containsExactly(CLS, BRAND, GORILLA, TITLE, WOOD, GLUE);
      assertThat(s.tokenTypeIds()).containsExactly(0, 1, 2, 1, 2, 2);
      assertThat(s.tokenPositionIds()).containsExactly(0, 1, 2, 3, 4, 5);
      assertThat(s.itemPositionIds()).containsExactly(0, 1, 1, 1, 1, 1);
      // With the paper's layout applied first, the title moves to the front and category is kept.
      TokenizedItem laidOut = tokenizer.tokenizeItem(item, AttributeLayout.PAPER);
      assertThat(laidOut.tokenIds()).containsExactly(TITLE, WOOD, GLUE, BRAND, GORILLA);
    }
  }

  @Test
  void onlyTheMostRecentMaxItemsAreKept() throws IOException {
    RecformerConfig config = TestTokenizers.tinyBert().maxItems(2).maxItemPositions(3).build();
    try (RecformerTokenizer tokenizer = open(config)) {
      EncodedSequence s = tokenizer.encodeHistory(List.of(A, B, C));
      assertThat(s.inputIds())
          .containsExactly(CLS, TITLE, BLACK, INK, TITLE, NOTE, HASH_BOOK, BRAND, OFFICE);
      assertThat(s.tokenTypeIds()).containsExactly(0, 1, 2, 2, 1, 2, 2, 1, 2);
      assertThat(s.tokenPositionIds()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
      assertThat(s.itemPositionIds()).containsExactly(0, 1, 1, 1, 2, 2, 2, 2, 2);
    }
  }

  @Test
  void maxTokensCutsTheOldestItemsMidItem() throws IOException {
    RecformerConfig config = TestTokenizers.tinyBert().maxTokens(7).build();
    try (RecformerTokenizer tokenizer = open(config)) {
      EncodedSequence s = tokenizer.encodeHistory(List.of(A, B, C));
      // C whole, B cut after "title note ##book" (its brand is lost), A gone.
      assertThat(s.inputIds()).containsExactly(CLS, TITLE, BLACK, INK, TITLE, NOTE, HASH_BOOK);
      assertThat(s.tokenTypeIds()).containsExactly(0, 1, 2, 2, 1, 2, 2);
      assertThat(s.tokenPositionIds()).containsExactly(0, 1, 2, 3, 4, 5, 6);
      assertThat(s.itemPositionIds()).containsExactly(0, 1, 1, 1, 2, 2, 2);
      assertThat(tokenizer.sequenceEncoder().wordStarts(tokenizer.tokenizeItems(List.of(A, B, C))))
          .containsExactly(true, true, true, true, true, true, false);
      // An item longer than maxTokens is cut as well.
      Item long_ = Item.of("L", "title", "Red Desk Lamps, Set of 10");
      assertThat(tokenizer.encodeItem(long_).inputIds())
          .containsExactly(CLS, TITLE, RED, DESK, LAMP, HASH_S, COMMA);
    }
  }

  @Test
  void lowerCasingComesFromTheNormalizerNotTheJvmLocale() throws IOException {
    // Under the Turkish locale Java lower-cases "I" to a dotless "ı", which the vocabulary lacks.
    assertThat("IKEA".toLowerCase(Locale.forLanguageTag("tr"))).isEqualTo("\u0131kea");
    Item item = Item.of("I9", "TITLE", "IKEA Lamp", "Brand", "IKEA");
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyBert().build())) {
      assertThat(tokenizer.tokenize("\u0131kea")).containsExactly(UNK);
      EncodedSequence s = tokenizer.encodeItem(item);
      assertThat(s.inputIds()).containsExactly(CLS, TITLE, IKEA, LAMP, BRAND, IKEA);
      assertThat(s.tokenTypeIds()).containsExactly(0, 1, 2, 2, 1, 2);
      assertThat(s.tokenPositionIds()).containsExactly(0, 1, 2, 3, 4, 5);
      assertThat(s.itemPositionIds()).containsExactly(0, 1, 1, 1, 1, 1);
    }
  }

  @Test
  void emptyValueEncodesOnlyItsKey() throws IOException {
    Item item = Item.of("E", "title", "Wood Glue", "brand", "", "category", "Home");
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyBert().build())) {
      TokenizedItem tokens = tokenizer.tokenizeItem(item);
      assertThat(tokens.tokenIds()).containsExactly(TITLE, WOOD, GLUE, BRAND, CATEGORY, HOME);
      assertThat(tokens.tokenTypeIds()).containsExactly(1, 2, 2, 1, 1, 2);
      assertThat(tokens.wordStarts()).containsExactly(true, true, true, true, true, true);
    }
  }

  @Test
  void batchedTokenizationMatchesOneByOne() throws IOException {
    List<Item> items = List.of(A, B, C, Item.of("D", "title", "Red Desk Lamps", "brand", "IKEA"));
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyBert().build())) {
      List<TokenizedItem> batched = tokenizer.tokenizeItems(items);
      assertThat(batched).hasSize(4);
      for (int i = 0; i < items.size(); i++) {
        assertThat(batched.get(i)).isEqualTo(tokenizer.tokenizeItem(items.get(i)));
      }
      assertThat(tokenizer.encodeItems(items).get(3).inputIds())
          .containsExactly(CLS, TITLE, RED, DESK, LAMP, HASH_S, BRAND, IKEA);
    }
  }
}
