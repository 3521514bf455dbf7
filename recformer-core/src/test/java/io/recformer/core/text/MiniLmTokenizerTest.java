package io.recformer.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.Item;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden tests on the real all-MiniLM-L6-v2 tokenizer.json (from the langchain4j jar). Expected ids
 * were looked up in that file's vocabulary, applying WordPiece's greedy longest-match by hand.
 */
class MiniLmTokenizerTest {

  private static final int CLS = 101;
  private static final int TITLE = 2516;
  private static final int BRAND = 4435;
  private static final int CATEGORY = 4696;
  private static final int GORILLA = 23526;
  private static final int WOOD = 3536;
  private static final int GLUE = 25238;
  private static final int EIGHT = 1022;
  private static final int HASH_OZ = 18153;
  private static final int INDUSTRIAL = 3919;
  private static final int AMP = 1004;
  private static final int SCIENTIFIC = 4045;
  private static final int NIK = 23205;
  private static final int HASH_ON = 2239;
  private static final int MICROSCOPE = 24635;
  private static final int IKE = 25209;
  private static final int HASH_A = 2050;

  private static final Item GLUE_ITEM =
      Item.of(
          "B00GORILLA",
          "title",
          "Gorilla Wood Glue 8oz",
          "brand",
          "Gorilla",
          "category",
          "Industrial & Scientific");
  private static final Item MICROSCOPE_ITEM =
      Item.of("B00NIKON", "title", "Nikon Microscope", "brand", "IKEA");

  @TempDir static Path temp;

  private static Path file;
  private static RecformerTokenizer tokenizer;

  @BeforeAll
  static void open() throws IOException {
    file = TestTokenizers.miniLm(temp);
    tokenizer = RecformerTokenizer.open(file, RecformerConfig.miniLmL6());
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void specialTokensAndVocabulary() {
    assertThat(tokenizer.family()).isEqualTo(VocabularyFamily.WORDPIECE);
    assertThat(tokenizer.vocabSize()).isEqualTo(30522);
    assertThat(tokenizer.clsId()).isEqualTo(101);
    assertThat(tokenizer.padId()).isEqualTo(0);
    assertThat(tokenizer.maskId()).isEqualTo(103);
    assertThat(tokenizer.sepId()).isEqualTo(102);
    assertThat(tokenizer.unkId()).isEqualTo(100);
    assertThat(tokenizer.isSpecial(101)).isTrue();
    assertThat(tokenizer.isSpecial(0)).isTrue();
    assertThat(tokenizer.isSpecial(TITLE)).isFalse();
    assertThat(tokenizer.token(2015)).isEqualTo("##s");
    assertThat(tokenizer.startsWord(2015)).isFalse();
    assertThat(tokenizer.startsWord(TITLE)).isTrue();
  }

  @Test
  void itemAndHistoryWithTheRealVocabulary() {
    // The file pads and truncates to 128 and adds [CLS]/[SEP]; none of that may show.
    EncodedSequence item = tokenizer.encodeItem(GLUE_ITEM);
    assertThat(item.inputIds())
        .containsExactly(
            CLS,
            TITLE,
            GORILLA,
            WOOD,
            GLUE,
            EIGHT,
            HASH_OZ, // title: gorilla wood glue 8 ##oz
            BRAND,
            GORILLA, // brand: gorilla
            CATEGORY,
            INDUSTRIAL,
            AMP,
            SCIENTIFIC); // category: industrial & scientific
    assertThat(item.tokenTypeIds()).containsExactly(0, 1, 2, 2, 2, 2, 2, 1, 2, 1, 2, 2, 2);
    assertThat(item.tokenPositionIds()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    assertThat(item.itemPositionIds()).containsExactly(0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);

    EncodedSequence history = tokenizer.encodeHistory(List.of(GLUE_ITEM, MICROSCOPE_ITEM));
    assertThat(history.inputIds())
        .containsExactly(
            CLS,
            TITLE,
            NIK,
            HASH_ON,
            MICROSCOPE,
            BRAND,
            IKE,
            HASH_A, // newest: title nik ##on microscope brand ike ##a
            TITLE,
            GORILLA,
            WOOD,
            GLUE,
            EIGHT,
            HASH_OZ,
            BRAND,
            GORILLA,
            CATEGORY,
            INDUSTRIAL,
            AMP,
            SCIENTIFIC);
    assertThat(history.tokenTypeIds())
        .containsExactly(0, 1, 2, 2, 2, 1, 2, 2, 1, 2, 2, 2, 2, 2, 1, 2, 1, 2, 2, 2);
    assertThat(history.tokenPositionIds())
        .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
    assertThat(history.itemPositionIds())
        .containsExactly(0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2);
    assertThat(tokenizer.tokenizeItem(MICROSCOPE_ITEM).wordStarts())
        .containsExactly(true, true, false, true, true, true, false);
  }

  @Test
  void configVocabularySmallerThanTheTokenizersFails() {
    RecformerConfig small = RecformerConfig.miniLmL6().toBuilder().vocabSize(30000).build();
    assertThatThrownBy(() -> RecformerTokenizer.open(file, small))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("config vocabSize = 30000")
        .hasMessageContaining("(30522 tokens)")
        .hasMessageContaining(file.toString());
  }
}
