package io.recformer.core.text;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What Recformer needs to know about a tokenizer.json besides tokenizing: the vocabulary family,
 * id-to-token strings, the special tokens and the vocabulary size. Read with Jackson, independently
 * of the native tokenizer, so a bad file fails with a message naming the file and the problem
 * instead of a native error.
 */
final class TokenizerVocabulary {

  private static final ObjectMapper JSON = new ObjectMapper();

  final Path file;
  final VocabularyFamily family;
  final String[] tokensById;
  final BitSet special;
  final int clsId;
  final int padId;
  final int maskId;

  /** -1 when the vocabulary has no separator token. */
  final int sepId;

  /** -1 when the vocabulary has no unknown token. */
  final int unkId;

  private TokenizerVocabulary(
      Path file,
      VocabularyFamily family,
      String[] tokensById,
      BitSet special,
      int clsId,
      int padId,
      int maskId,
      int sepId,
      int unkId) {
    this.file = file;
    this.family = family;
    this.tokensById = tokensById;
    this.special = special;
    this.clsId = clsId;
    this.padId = padId;
    this.maskId = maskId;
    this.sepId = sepId;
    this.unkId = unkId;
  }

  int size() {
    return tokensById.length;
  }

  /** The file's text, failing with the file named when it is missing, not UTF-8 or empty. */
  static String readText(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file.toString(),
          null,
          Files.exists(file)
              ? "tokenizer path is not a regular file (expected a tokenizer.json)"
              : "tokenizer file not found");
    }
    String json;
    try {
      json = Files.readString(file); // UTF-8, reports malformed input
    } catch (CharacterCodingException e) {
      throw new TokenizerFormatException(file, "is not valid UTF-8 text", e);
    }
    if (json.isBlank()) {
      throw new TokenizerFormatException(
          file, "file is empty (expected a Hugging Face tokenizer.json)");
    }
    return json;
  }

  /** Reads the vocabulary facts from the text of {@code file}. */
  static TokenizerVocabulary parse(Path file, String json) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null
              ? ""
              : String.format(
                  Locale.ROOT, " at line %d, column %d", at.getLineNr(), at.getColumnNr());
      throw new TokenizerFormatException(
          file,
          "not valid JSON" + where + " (truncated or corrupt file?): " + e.getOriginalMessage(),
          e);
    }
    if (root == null || !root.isObject()) {
      throw new TokenizerFormatException(
          file, "top level is not a JSON object (expected a Hugging Face tokenizer.json)");
    }
    JsonNode model = root.get("model");
    if (model == null || !model.isObject()) {
      throw new TokenizerFormatException(
          file,
          "has no 'model' section (expected a Hugging Face tokenizer.json with a WordPiece or BPE"
              + " model)");
    }
    VocabularyFamily family = family(file, root, model);

    JsonNode vocab = model.get("vocab");
    if (vocab == null || !vocab.isObject() || vocab.isEmpty()) {
      throw new TokenizerFormatException(
          file, "model section has no 'vocab' object of token -> id");
    }
    Map<String, Integer> idByToken = new HashMap<>(vocab.size() * 2);
    int maxId = -1;
    for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
      int id = requireId(file, "model.vocab['" + entry.getKey() + "']", entry.getValue());
      idByToken.put(entry.getKey(), id);
      maxId = Math.max(maxId, id);
    }
    Map<String, Integer> addedIdByContent = new HashMap<>();
    BitSet special = new BitSet();
    JsonNode added = root.get("added_tokens");
    if (added != null && added.isArray()) {
      for (JsonNode token : added) {
        JsonNode content = token.get("content");
        if (content == null || !content.isTextual()) {
          throw new TokenizerFormatException(
              file, "an entry of 'added_tokens' has no 'content' string: " + token);
        }
        int id = requireId(file, "added_tokens['" + content.asText() + "'].id", token.get("id"));
        addedIdByContent.put(content.asText(), id);
        if (token.path("special").asBoolean(false)) {
          special.set(id);
        }
        maxId = Math.max(maxId, id);
      }
    }
    String[] tokensById = new String[maxId + 1];
    idByToken.forEach((token, id) -> tokensById[id] = token);
    addedIdByContent.forEach((token, id) -> tokensById[id] = token);

    int cls = requireSpecial(file, family, family.clsToken(), idByToken, addedIdByContent, special);
    int pad = requireSpecial(file, family, family.padToken(), idByToken, addedIdByContent, special);
    int mask =
        requireSpecial(file, family, family.maskToken(), idByToken, addedIdByContent, special);
    int sep = optionalSpecial(family.sepToken(), idByToken, addedIdByContent, special);
    int unk = optionalSpecial(family.unkToken(), idByToken, addedIdByContent, special);
    return new TokenizerVocabulary(file, family, tokensById, special, cls, pad, mask, sep, unk);
  }

  private static VocabularyFamily family(Path file, JsonNode root, JsonNode model)
      throws IOException {
    String type = model.path("type").asText("");
    if (type.isEmpty()) {
      // Older tokenizer.json files leave the type out; BPE is the one with merges.
      type =
          model.has("merges") ? "BPE" : model.has("continuing_subword_prefix") ? "WordPiece" : "";
    }
    switch (type) {
      case "WordPiece" -> {
        return VocabularyFamily.WORDPIECE;
      }
      case "BPE" -> {
        if (!mentionsByteLevel(root.get("pre_tokenizer"))) {
          throw new TokenizerFormatException(
              file,
              "BPE model without a ByteLevel pre-tokenizer is not supported"
                  + " (expected RoBERTa-style byte-level BPE or BERT WordPiece)");
        }
        return VocabularyFamily.BYTE_LEVEL_BPE;
      }
      default ->
          throw new TokenizerFormatException(
              file,
              "model type '" + type + "' is not supported (expected WordPiece or byte-level BPE)");
    }
  }

  private static boolean mentionsByteLevel(JsonNode preTokenizer) {
    if (preTokenizer == null || preTokenizer.isNull()) {
      return false;
    }
    if ("ByteLevel".equals(preTokenizer.path("type").asText())) {
      return true;
    }
    for (JsonNode child : preTokenizer.path("pretokenizers")) {
      if (mentionsByteLevel(child)) {
        return true;
      }
    }
    return false;
  }

  private static int requireId(Path file, String field, JsonNode node) throws IOException {
    if (node == null || !node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 0) {
      throw new TokenizerFormatException(
          file, field + " = " + node + " is not a non-negative integer id");
    }
    return node.asInt();
  }

  private static int requireSpecial(
      Path file,
      VocabularyFamily family,
      String token,
      Map<String, Integer> vocab,
      Map<String, Integer> added,
      BitSet special)
      throws IOException {
    int id = optionalSpecial(token, vocab, added, special);
    if (id < 0) {
      throw new TokenizerFormatException(
          file,
          "has no "
              + token
              + " token, which a "
              + family.name().toLowerCase(Locale.ROOT).replace('_', ' ')
              + " vocabulary needs");
    }
    return id;
  }

  private static int optionalSpecial(
      String token, Map<String, Integer> vocab, Map<String, Integer> added, BitSet special) {
    Integer id = added.get(token);
    if (id == null) {
      id = vocab.get(token);
    }
    if (id == null) {
      return -1;
    }
    special.set(id);
    return id;
  }
}
