package io.recformer.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad files and bad input fail with messages that name the file, item or user and the problem. */
class TokenizerErrorsTest {

  @TempDir Path temp;

  private static RecformerTokenizer tiny() throws IOException {
    return RecformerTokenizer.open(
        TestTokenizers.resource(TestTokenizers.TINY_WORDPIECE), TestTokenizers.tinyBert().build());
  }

  private Path write(String name, String content) throws IOException {
    Path file = temp.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void missingFile() {
    Path file = temp.resolve("nope/tokenizer.json");
    assertThatThrownBy(() -> RecformerTokenizer.open(file, TestTokenizers.tinyBert().build()))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("tokenizer file not found");
  }

  @Test
  void truncatedJson() throws IOException {
    String full = Files.readString(TestTokenizers.resource(TestTokenizers.TINY_WORDPIECE));
    Path file = write("truncated.json", full.substring(0, full.length() / 2));
    assertThatThrownBy(() -> RecformerTokenizer.open(file, TestTokenizers.tinyBert().build()))
        .isInstanceOf(TokenizerFormatException.class)
        .hasMessageStartingWith("tokenizer file " + file + ": not valid JSON at line ")
        .hasMessageContaining("truncated or corrupt file?")
        .satisfies(e -> assertThat(((TokenizerFormatException) e).file()).isEqualTo(file));
  }

  @Test
  void emptyFile() throws IOException {
    Path file = write("empty.json", "  \n");
    assertThatThrownBy(() -> RecformerTokenizer.open(file, TestTokenizers.tinyBert().build()))
        .isInstanceOf(TokenizerFormatException.class)
        .hasMessage(
            "tokenizer file " + file + ": file is empty (expected a Hugging Face tokenizer.json)");
  }

  @Test
  void jsonWithoutModelSection() throws IOException {
    Path file = write("nomodel.json", "{\"version\": \"1.0\", \"added_tokens\": []}");
    assertThatThrownBy(() -> RecformerTokenizer.open(file, TestTokenizers.tinyBert().build()))
        .isInstanceOf(TokenizerFormatException.class)
        .hasMessage(
            "tokenizer file "
                + file
                + ": has no 'model' section (expected a Hugging Face"
                + " tokenizer.json with a WordPiece or BPE model)");
  }

  @Test
  void unsupportedModelType() throws IOException {
    Path file =
        write("unigram.json", "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}}");
    assertThatThrownBy(() -> RecformerTokenizer.open(file, TestTokenizers.tinyBert().build()))
        .isInstanceOf(TokenizerFormatException.class)
        .hasMessage(
            "tokenizer file "
                + file
                + ": model type 'Unigram' is not supported (expected WordPiece or byte-level BPE)");
  }

  @Test
  void missingMaskToken() throws IOException {
    String full = Files.readString(TestTokenizers.resource(TestTokenizers.TINY_WORDPIECE));
    Path file = write("nomask.json", full.replace("[MASK]", "[MASQUE]"));
    assertThatThrownBy(() -> RecformerTokenizer.open(file, TestTokenizers.tinyBert().build()))
        .isInstanceOf(TokenizerFormatException.class)
        .hasMessage(
            "tokenizer file " + file + ": has no [MASK] token, which a wordpiece vocabulary needs");
  }

  @Test
  void fileTheNativeLibraryRejects() throws IOException {
    // Jackson-valid, but a merge names pieces that are not in the vocabulary.
    String full = Files.readString(TestTokenizers.resource(TestTokenizers.TINY_BPE));
    Path file = write("badmerge.json", full.replace("\"ll a\"", "\"ll a\", \"q z\""));
    assertThatThrownBy(() -> RecformerTokenizer.open(file, TestTokenizers.tinyRoberta().build()))
        .isInstanceOf(TokenizerFormatException.class)
        .hasMessageStartingWith(
            "tokenizer file " + file + ": rejected by the Hugging Face tokenizers library: ");
  }

  @Test
  void configVocabularyTooSmall() {
    Path file = TestTokenizers.resource(TestTokenizers.TINY_WORDPIECE);
    assertThatThrownBy(
            () -> RecformerTokenizer.open(file, TestTokenizers.tinyBert().vocabSize(30).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "config vocabSize = 30 is smaller than the vocabulary of "
                + file
                + " (40 tokens): the word-embedding table needs a row for every token id");
  }

  @Test
  void emptyHistory() throws IOException {
    try (RecformerTokenizer tokenizer = tiny()) {
      assertThatThrownBy(() -> tokenizer.encodeHistory(List.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("cannot encode an empty history: a sequence needs at least one item");
      ItemTokenCache cache =
          new ItemTokenCache(tokenizer, ItemCatalog.of(List.of(Item.of("A", "title", "Pen"))));
      assertThatThrownBy(() -> cache.encodeHistory(UserHistory.of("u42", List.of())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "cannot encode an empty history of user 'u42': a sequence needs at least one item");
    }
  }

  @Test
  void blankTitle() throws IOException {
    try (RecformerTokenizer tokenizer = tiny()) {
      assertThatThrownBy(
              () -> tokenizer.encodeItem(Item.of("B00X", "title", "  ", "brand", "Gorilla")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("item 'B00X' has an empty title");
    }
  }

  @Test
  void itemWithoutText() throws IOException {
    try (RecformerTokenizer tokenizer = tiny()) {
      assertThatThrownBy(
              () -> tokenizer.tokenizeItem(Item.of("B00N", "brand", " ", "category", "")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "item 'B00N' has no text: the values of its encoded attributes [brand, category] are"
                  + " all blank");
      assertThatThrownBy(() -> tokenizer.tokenizeItem(new Item("B00Z", List.of())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("item 'B00Z' has no text: it has no attributes");
      // One bad item in a history names that item.
      assertThatThrownBy(
              () ->
                  tokenizer.encodeHistory(
                      List.of(Item.of("OK", "title", "Pen"), Item.of("B00Y", "title", ""))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("item 'B00Y' has an empty title");
    }
  }

  @Test
  void useAfterCloseFailsAndCloseIsIdempotent() throws IOException {
    RecformerTokenizer tokenizer = tiny();
    tokenizer.close();
    tokenizer.close();
    assertThatThrownBy(() -> tokenizer.tokenize("pen"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
  }

  @Test
  void tokenIdsOutOfRange() throws IOException {
    try (RecformerTokenizer tokenizer = tiny()) {
      assertThatThrownBy(() -> tokenizer.token(40))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("token id 40 is out of range: must be in [0, 40)");
      assertThatThrownBy(() -> tokenizer.isSpecial(-1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("token id -1 is out of range: must be in [0, 40)");
    }
  }
}
