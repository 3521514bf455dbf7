package io.recformer.core.text;

/**
 * The two vocabulary families Recformer checkpoints use (reference section 3). The family decides
 * the special-token spellings and how a sub-word piece shows that it continues a word, which
 * whole-word masking needs.
 */
public enum VocabularyFamily {

  /**
   * BERT WordPiece ({@code [CLS] [PAD] [MASK] [SEP] [UNK]}): a piece spelt {@code ##x} continues
   * the previous word. Used by Longformer-mini and all-MiniLM-L6-v2.
   */
  WORDPIECE("[CLS]", "[PAD]", "[MASK]", "[SEP]", "[UNK]"),

  /**
   * RoBERTa byte-level BPE ({@code <s> <pad> <mask> </s> <unk>}): a piece that starts a word after
   * a space carries the marker {@code Ġ}; a piece without it continues the word. Used by
   * Longformer-base.
   */
  BYTE_LEVEL_BPE("<s>", "<pad>", "<mask>", "</s>", "<unk>");

  /** Byte-level BPE's spelling of a leading space (the byte 0x20 mapped to U+0120). */
  static final char BPE_SPACE_MARKER = '\u0120';

  /** WordPiece's prefix of a piece that continues a word. */
  static final String WORDPIECE_CONTINUATION = "##";

  private final String cls;
  private final String pad;
  private final String mask;
  private final String sep;
  private final String unk;

  VocabularyFamily(String cls, String pad, String mask, String sep, String unk) {
    this.cls = cls;
    this.pad = pad;
    this.mask = mask;
    this.sep = sep;
    this.unk = unk;
  }

  /** Spelling of the sequence-start token whose hidden state represents the sequence. */
  public String clsToken() {
    return cls;
  }

  public String padToken() {
    return pad;
  }

  public String maskToken() {
    return mask;
  }

  public String sepToken() {
    return sep;
  }

  public String unkToken() {
    return unk;
  }

  /**
   * Whether a vocabulary piece (not a special token) begins a new word when it is not the first
   * piece of a separately tokenized string.
   */
  boolean pieceStartsWord(String piece) {
    return switch (this) {
      case WORDPIECE -> !piece.startsWith(WORDPIECE_CONTINUATION);
      case BYTE_LEVEL_BPE -> !piece.isEmpty() && piece.charAt(0) == BPE_SPACE_MARKER;
    };
  }
}
