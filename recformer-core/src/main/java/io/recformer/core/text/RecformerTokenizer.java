package io.recformer.core.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.AttributeLayout;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Turns items and histories into Recformer inputs (reference section 2) with a Hugging Face
 * tokenizer read from a local {@code tokenizer.json} (never a hub name).
 *
 * <p>Each attribute's key and value are tokenized separately, without special tokens, truncation or
 * padding; whatever the file configures for those is switched off. Lower-casing and other
 * normalization come from the file's normalizer, never from {@link String#toLowerCase()}, so the
 * JVM's default locale cannot change the ids (a Turkish locale would turn "I" into a dotless "ı").
 *
 * <p>Items keep their first {@code config.maxAttributes()} attributes in their own order; apply an
 * {@link AttributeLayout} first (or pass one to {@link #tokenizeItem(Item, AttributeLayout)}) to
 * choose which. Tokenizing dominates encoding time: tokenize each item once, with {@link
 * #tokenizeItems(List)} or an {@link ItemTokenCache}, and build histories from the cached {@link
 * TokenizedItem}s with {@link #sequenceEncoder()}.
 *
 * <p>Thread-safe: the native tokenizer is only read after construction (DJL's JNI layer calls the
 * Rust library's {@code encode_char_offsets(&self)}, and truncation and padding are configured
 * once, in the constructor), so encode calls may run concurrently; a test hammers one instance from
 * four threads. {@link #close()} waits for running calls; calls after it fail with {@link
 * IllegalStateException}.
 *
 * <p>Over 400 lines because the exact input encoding (tokens, truncation from the oldest item, the
 * six id arrays) must be decided in one place for training, export and serving to agree.
 */
public final class RecformerTokenizer implements AutoCloseable {

  /** Longest batch handed to the native tokenizer at once; bounds the temporary memory. */
  private static final int NATIVE_BATCH = 4096;

  private final TokenizerVocabulary vocabulary;
  private final RecformerConfig config;
  private final HuggingFaceTokenizer tokenizer;
  private final SequenceEncoder sequenceEncoder;

  /** Keys repeat across every item ("title", "brand", ...), so their tokens are computed once. */
  private final Map<String, int[]> keyTokens = new ConcurrentHashMap<>();

  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;

  private RecformerTokenizer(
      TokenizerVocabulary vocabulary, RecformerConfig config, HuggingFaceTokenizer tokenizer) {
    this.vocabulary = vocabulary;
    this.config = config;
    this.tokenizer = tokenizer;
    this.sequenceEncoder = new SequenceEncoder(config, vocabulary.clsId);
  }

  /**
   * Loads a tokenizer.json for this config.
   *
   * @param tokenizerJson a local Hugging Face tokenizer.json (WordPiece or byte-level BPE)
   * @param config the model config; its vocabSize must cover the tokenizer's vocabulary
   * @throws java.nio.file.NoSuchFileException if the file does not exist
   * @throws TokenizerFormatException if the file is not a usable tokenizer.json
   * @throws IllegalArgumentException if {@code config.vocabSize()} is smaller than the vocabulary
   */
  public static RecformerTokenizer open(Path tokenizerJson, RecformerConfig config)
      throws IOException {
    Objects.requireNonNull(tokenizerJson, "tokenizer file");
    Objects.requireNonNull(config, "config");
    String json = TokenizerVocabulary.readText(tokenizerJson);
    TokenizerVocabulary vocabulary = TokenizerVocabulary.parse(tokenizerJson, json);
    if (config.vocabSize() < vocabulary.size()) {
      throw new IllegalArgumentException(
          "config vocabSize = "
              + config.vocabSize()
              + " is smaller than the vocabulary of "
              + tokenizerJson
              + " ("
              + vocabulary.size()
              + " tokens): the word-embedding table needs a row for every token id");
    }
    disableDjlTelemetry();
    Map<String, String> options =
        Map.of(
            "addSpecialTokens", "false",
            "withOverflowingTokens", "false",
            "truncation", "false",
            "padding", "false");
    HuggingFaceTokenizer tokenizer;
    try {
      tokenizer =
          HuggingFaceTokenizer.newInstance(
              new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), options);
    } catch (RuntimeException e) {
      throw new TokenizerFormatException(
          tokenizerJson, "rejected by the Hugging Face tokenizers library: " + e.getMessage(), e);
    }
    try {
      return new RecformerTokenizer(vocabulary, config, tokenizer);
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  /**
   * DJL's tokenizer factory calls home (an EC2 metadata request) unless tracking is opted out. This
   * library must never open a network connection on its own, so it opts out unless the user already
   * decided either way through the environment or a system property.
   */
  private static void disableDjlTelemetry() {
    if (System.getenv("OPT_OUT_TRACKING") == null
        && System.getProperty("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
  }

  /** The tokenizer.json this was loaded from. */
  public Path file() {
    return vocabulary.file;
  }

  public RecformerConfig config() {
    return config;
  }

  public VocabularyFamily family() {
    return vocabulary.family;
  }

  /** Number of token ids the tokenizer can produce: highest id in the file plus one. */
  public int vocabSize() {
    return vocabulary.size();
  }

  /**
   * Id of the sequence-start token ([CLS] or {@code <s>}), whose final state represents the
   * sequence.
   */
  public int clsId() {
    return vocabulary.clsId;
  }

  public int padId() {
    return vocabulary.padId;
  }

  public int maskId() {
    return vocabulary.maskId;
  }

  /** Id of [SEP] or {@code </s>}, or -1 if the vocabulary has none (Recformer never inserts it). */
  public int sepId() {
    return vocabulary.sepId;
  }

  /** Id of [UNK] or {@code <unk>}, or -1 if the vocabulary has none. */
  public int unkId() {
    return vocabulary.unkId;
  }

  /**
   * True for special tokens ([CLS], [PAD], ... and every added token marked special): never masked.
   */
  public boolean isSpecial(int tokenId) {
    requireTokenId(tokenId);
    return vocabulary.special.get(tokenId);
  }

  /** The vocabulary spelling of a token id (byte-level BPE pieces keep their {@code Ġ} marker). */
  public String token(int tokenId) {
    requireTokenId(tokenId);
    String token = vocabulary.tokensById[tokenId];
    if (token == null) {
      throw new IllegalArgumentException(
          "token id " + tokenId + " is unused in " + vocabulary.file);
    }
    return token;
  }

  /**
   * Whether this piece begins a new word when it follows another piece of the same key or value:
   * WordPiece pieces do unless spelt {@code ##x}; byte-level BPE pieces do only with the leading
   * space marker {@code Ġ}. Special tokens always do. The first piece of every key and value begins
   * a word regardless; {@link TokenizedItem#wordStarts()} has both rules applied.
   */
  public boolean startsWord(int tokenId) {
    if (isSpecial(tokenId)) {
      return true;
    }
    String token = vocabulary.tokensById[tokenId];
    return token == null || vocabulary.family.pieceStartsWord(token);
  }

  /** Assembles sequences from tokenized items; shares this tokenizer's config and [CLS] id. */
  public SequenceEncoder sequenceEncoder() {
    return sequenceEncoder;
  }

  /**
   * Token ids of a text, as the file's normalizer and model produce them, without special tokens.
   */
  public int[] tokenize(String text) {
    Objects.requireNonNull(text, "text");
    if (text.isEmpty()) {
      return new int[0];
    }
    lifecycle.readLock().lock();
    try {
      requireOpen();
      return toInts(tokenizer.encode(text, false, false).getIds());
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Token ids of many texts in one native call (the native side parallelizes over the batch). */
  public List<int[]> tokenizeAll(List<String> texts) {
    Objects.requireNonNull(texts, "texts");
    List<int[]> result = new ArrayList<>(texts.size());
    List<String> chunk = new ArrayList<>(Math.min(texts.size(), NATIVE_BATCH));
    for (String text : texts) {
      chunk.add(Objects.requireNonNull(text, "text"));
      if (chunk.size() == NATIVE_BATCH) {
        tokenizeChunk(chunk, result);
        chunk.clear();
      }
    }
    tokenizeChunk(chunk, result);
    return result;
  }

  private void tokenizeChunk(List<String> chunk, List<int[]> result) {
    if (chunk.isEmpty()) {
      return;
    }
    Encoding[] encodings;
    lifecycle.readLock().lock();
    try {
      requireOpen();
      encodings = tokenizer.batchEncode(chunk, false, false);
    } finally {
      lifecycle.readLock().unlock();
    }
    for (Encoding encoding : encodings) {
      result.add(toInts(encoding.getIds()));
    }
  }

  /**
   * The item's tokens: key then value tokens of each of its first {@code maxAttributes} attributes,
   * each pair cut to {@code maxAttributeTokens}.
   *
   * @throws IllegalArgumentException if the item has a blank title or no text in those attributes
   */
  public TokenizedItem tokenizeItem(Item item) {
    return tokenizeItems(List.of(item)).get(0);
  }

  /** As {@link #tokenizeItem(Item)} after selecting and ordering attributes with the layout. */
  public TokenizedItem tokenizeItem(Item item, AttributeLayout layout) {
    return tokenizeItem(layout.apply(item));
  }

  /** {@link #tokenizeItem(Item)} for many items, with all their values tokenized in batches. */
  public List<TokenizedItem> tokenizeItems(List<Item> items) {
    Objects.requireNonNull(items, "items");
    int maxAttributes = config.maxAttributes();
    // Brands and categories repeat across a catalog: each distinct value is tokenized once per
    // call.
    Map<String, Integer> valueIndex = new HashMap<>();
    List<String> values = new ArrayList<>();
    for (Item item : items) {
      List<ItemAttribute> kept =
          keptAttributes(Objects.requireNonNull(item, "item"), maxAttributes);
      validate(item, kept);
      for (ItemAttribute attribute : kept) {
        keyTokens(attribute.key());
        String value = attribute.value();
        if (!value.isEmpty() && valueIndex.putIfAbsent(value, values.size()) == null) {
          values.add(value);
        }
      }
    }
    List<int[]> valueTokens = tokenizeAll(values);
    List<TokenizedItem> result = new ArrayList<>(items.size());
    int[] none = new int[0];
    for (Item item : items) {
      List<ItemAttribute> kept = keptAttributes(item, maxAttributes);
      int[][] keyIds = new int[kept.size()][];
      int[][] valueIds = new int[kept.size()][];
      for (int a = 0; a < kept.size(); a++) {
        keyIds[a] = keyTokens(kept.get(a).key());
        String value = kept.get(a).value();
        valueIds[a] = value.isEmpty() ? none : valueTokens.get(valueIndex.get(value));
      }
      result.add(assembleItem(item.id(), keyIds, valueIds));
    }
    return result;
  }

  private TokenizedItem assembleItem(String itemId, int[][] keyIds, int[][] valueIds) {
    int limit = config.maxAttributeTokens();
    int total = 0;
    for (int a = 0; a < keyIds.length; a++) {
      total += Math.min(keyIds[a].length + valueIds[a].length, limit);
    }
    int[] ids = new int[total];
    int[] types = new int[total];
    boolean[] starts = new boolean[total];
    int cursor = 0;
    for (int a = 0; a < keyIds.length; a++) {
      // The pair is cut together: key tokens count against the limit first (reference section 2).
      int keyCount = Math.min(keyIds[a].length, limit);
      int valueCount = Math.min(valueIds[a].length, limit - keyCount);
      cursor =
          appendSegment(keyIds[a], keyCount, RecformerConfig.TYPE_KEY, ids, types, starts, cursor);
      cursor =
          appendSegment(
              valueIds[a], valueCount, RecformerConfig.TYPE_VALUE, ids, types, starts, cursor);
    }
    return new TokenizedItem(itemId, ids, types, starts);
  }

  private int appendSegment(
      int[] segment, int count, int type, int[] ids, int[] types, boolean[] starts, int cursor) {
    for (int i = 0; i < count; i++) {
      ids[cursor + i] = segment[i];
      types[cursor + i] = type;
      // A key or value is tokenized on its own, so its first piece starts a word even when the
      // vocabulary spells it as a continuation (byte-level BPE without a leading space).
      starts[cursor + i] = i == 0 || startsWord(segment[i]);
    }
    return cursor + count;
  }

  private int[] keyTokens(String key) {
    int[] cached = keyTokens.get(key);
    if (cached == null) {
      cached = tokenize(key);
      keyTokens.putIfAbsent(key, cached);
    }
    return cached;
  }

  private static List<ItemAttribute> keptAttributes(Item item, int maxAttributes) {
    List<ItemAttribute> attributes = item.attributes();
    return attributes.size() <= maxAttributes ? attributes : attributes.subList(0, maxAttributes);
  }

  private static void validate(Item item, List<ItemAttribute> kept) {
    if (item.attribute(Item.TITLE).map(String::isBlank).orElse(false)) {
      throw new IllegalArgumentException("item '" + item.id() + "' has an empty title");
    }
    for (ItemAttribute attribute : kept) {
      if (!attribute.value().isBlank()) {
        return;
      }
    }
    if (item.attributes().isEmpty()) {
      throw new IllegalArgumentException(
          "item '" + item.id() + "' has no text: it has no attributes");
    }
    List<String> keys = kept.stream().map(ItemAttribute::key).toList();
    throw new IllegalArgumentException(
        "item '"
            + item.id()
            + "' has no text: the values of its encoded"
            + " attributes "
            + keys
            + " are all blank");
  }

  /** An item's own input: [CLS] followed by its tokens, at item position 1. */
  public EncodedSequence encodeItem(Item item) {
    return sequenceEncoder.encodeItem(tokenizeItem(item));
  }

  /** {@link #encodeItem(Item)} for many items, tokenized in batches. */
  public List<EncodedSequence> encodeItems(List<Item> items) {
    List<TokenizedItem> tokenized = tokenizeItems(items);
    List<EncodedSequence> result = new ArrayList<>(tokenized.size());
    for (TokenizedItem item : tokenized) {
      result.add(sequenceEncoder.encodeItem(item));
    }
    return result;
  }

  /**
   * A history, oldest item first, as one sequence: [CLS] then the most recent items newest first.
   * Tokenizes every item; prefer an {@link ItemTokenCache} when items recur across histories.
   *
   * @throws IllegalArgumentException if the history is empty or an item has no text
   */
  public EncodedSequence encodeHistory(List<Item> itemsOldestFirst) {
    Objects.requireNonNull(itemsOldestFirst, "history");
    if (itemsOldestFirst.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot encode an empty history: a sequence needs at least one item");
    }
    // Only the items that can appear are tokenized.
    int n = itemsOldestFirst.size();
    List<Item> recent = itemsOldestFirst.subList(Math.max(0, n - config.maxItems()), n);
    return sequenceEncoder.encodeHistory(tokenizeItems(recent));
  }

  private void requireTokenId(int tokenId) {
    if (tokenId < 0 || tokenId >= vocabulary.size()) {
      throw new IllegalArgumentException(
          "token id " + tokenId + " is out of range: must be in [0, " + vocabulary.size() + ")");
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("tokenizer for " + vocabulary.file + " is closed");
    }
  }

  private static int[] toInts(long[] ids) {
    int[] result = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      result[i] = Math.toIntExact(ids[i]);
    }
    return result;
  }

  /** Releases the native tokenizer; idempotent. */
  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        tokenizer.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "RecformerTokenizer["
        + vocabulary.file
        + ", "
        + vocabulary.family
        + ", "
        + vocabulary.size()
        + " tokens]";
  }
}
