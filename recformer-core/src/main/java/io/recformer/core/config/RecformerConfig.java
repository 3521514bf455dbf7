package io.recformer.core.config;

import java.util.Locale;
import java.util.Objects;

/**
 * Every model and input hyperparameter of Recformer, validated on construction.
 *
 * <p>Use a preset ({@link #longformerBase()}, {@link #longformerMini()}, {@link #miniLmL6()}) and
 * adjust with {@link #toBuilder()}. Invalid values fail with a message naming the field, the value
 * and the allowed range.
 *
 * @param vocabSize rows of the word-embedding table; must match the tokenizer (30522 for BERT
 *     WordPiece, 50265 for RoBERTa BPE)
 * @param hiddenSize model width d (768 base, 384 MiniLM, 256 mini); cost grows with d squared
 * @param numLayers encoder layers (12 base, 6 mini); cost grows linearly
 * @param numHeads attention heads; must divide {@code hiddenSize} (12 base, 12 MiniLM)
 * @param intermediateSize FFN inner width, usually 4 d
 * @param maxPositions rows of the token-position table (4098 Longformer, 512 BERT); must hold
 *     {@code positionOffset + maxTokens}
 * @param positionOffset first token-position id: 0 for BERT vocabularies, 2 (= pad id + 1) for
 *     RoBERTa/Longformer checkpoints
 * @param tokenTypes rows of the token-type table: 0 CLS, 1 key, 2 value, 3 padding (4)
 * @param maxItems most recent items kept from a history (50); older items are dropped
 * @param maxItemPositions rows of the item-position table; at least {@code maxItems + 1} since CLS
 *     has item position 0
 * @param maxAttributes attributes kept per item, in their given order (3: title, brand, category)
 * @param maxAttributeTokens key + value tokens kept per attribute (32); longer pairs are truncated
 * @param maxTokens tokens per sequence including CLS (1024 paper, 512 mini study); the oldest
 *     tokens are cut first. Attention cost grows linearly with it (sliding window)
 * @param attentionWindow Longformer window w (64): a token sees w/2 neighbours on each side; must
 *     be even
 * @param layerNormEps LayerNorm epsilon (1e-5 Longformer, 1e-12 BERT/MiniLM)
 * @param hiddenDropout dropout after embeddings, attention output and FFN (0.1)
 * @param attentionDropout dropout on attention probabilities (0.1)
 * @param temperature tau dividing cosine similarities in training logits (0.05); lower is sharper
 * @param mlmWeight lambda weighting the MLM loss in pre-training (0.1)
 * @param pooling how a sequence becomes one vector (CLS in the paper)
 *     <p>Over 400 lines because it is one flat list of settings, each with its validation, presets
 *     and builder.
 */
public record RecformerConfig(
    int vocabSize,
    int hiddenSize,
    int numLayers,
    int numHeads,
    int intermediateSize,
    int maxPositions,
    int positionOffset,
    int tokenTypes,
    int maxItems,
    int maxItemPositions,
    int maxAttributes,
    int maxAttributeTokens,
    int maxTokens,
    int attentionWindow,
    double layerNormEps,
    double hiddenDropout,
    double attentionDropout,
    double temperature,
    double mlmWeight,
    Pooling pooling) {

  /** Token type of the [CLS] token. */
  public static final int TYPE_CLS = 0;

  /** Token type of attribute-key tokens. */
  public static final int TYPE_KEY = 1;

  /** Token type of attribute-value tokens. */
  public static final int TYPE_VALUE = 2;

  /** Token type of padding. */
  public static final int TYPE_PAD = 3;

  public RecformerConfig {
    requireAtLeast("vocabSize", vocabSize, 2);
    requireAtLeast("hiddenSize", hiddenSize, 1);
    requireAtLeast("numLayers", numLayers, 1);
    requireAtLeast("numHeads", numHeads, 1);
    if (hiddenSize % numHeads != 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "hiddenSize = %d must be a multiple of numHeads = %d",
              hiddenSize,
              numHeads));
    }
    requireAtLeast("intermediateSize", intermediateSize, 1);
    requireAtLeast("positionOffset", positionOffset, 0);
    requireAtLeast("tokenTypes", tokenTypes, 4);
    requireAtLeast("maxItems", maxItems, 1);
    requireAtLeast("maxItemPositions", maxItemPositions, maxItems + 1);
    requireAtLeast("maxAttributes", maxAttributes, 1);
    requireAtLeast("maxAttributeTokens", maxAttributeTokens, 2);
    requireAtLeast("maxTokens", maxTokens, 2);
    requireAtLeast("maxPositions", maxPositions, positionOffset + maxTokens);
    requireAtLeast("attentionWindow", attentionWindow, 2);
    if (attentionWindow % 2 != 0) {
      throw new IllegalArgumentException(
          "attentionWindow = " + attentionWindow + " must be even (w/2 tokens on each side)");
    }
    requireInOpen("layerNormEps", layerNormEps, 0, 1e-2);
    requireInHalfOpen("hiddenDropout", hiddenDropout);
    requireInHalfOpen("attentionDropout", attentionDropout);
    requireInOpen("temperature", temperature, 0, 100);
    if (!(mlmWeight >= 0) || Double.isInfinite(mlmWeight)) {
      throw new IllegalArgumentException("mlmWeight = " + mlmWeight + " must be in [0, +inf)");
    }
    Objects.requireNonNull(pooling, "pooling");
  }

  /** Attention head width d / heads. */
  public int headSize() {
    return hiddenSize / numHeads;
  }

  /** Keys visible on each side of a (non-global) token: w / 2. */
  public int oneSidedWindow() {
    return attentionWindow / 2;
  }

  /**
   * The paper's encoder: Longformer-base (RoBERTa BPE vocabulary, 12 x 768, 4098 positions with
   * offset 2, LayerNorm eps 1e-5) with 1024 max tokens.
   */
  public static RecformerConfig longformerBase() {
    return new RecformerConfig(
        50265,
        768,
        12,
        12,
        3072,
        4098,
        2,
        4,
        50,
        51,
        3,
        32,
        1024,
        64,
        1e-5,
        0.1,
        0.1,
        0.05,
        0.1,
        Pooling.CLS);
  }

  /**
   * The mini study's encoder: Longformer-mini (BERT WordPiece vocabulary, 6 x 256, 4 heads, 1026
   * positions with Longformer's offset 2) at 512 max tokens.
   */
  public static RecformerConfig longformerMini() {
    return new RecformerConfig(
        30522,
        256,
        6,
        4,
        1024,
        1026,
        2,
        4,
        50,
        51,
        3,
        32,
        512,
        64,
        1e-5,
        0.1,
        0.1,
        0.05,
        0.1,
        Pooling.CLS);
  }

  /**
   * A Recformer initialized from all-MiniLM-L6-v2 (BERT, 6 x 384, 12 heads, FFN 1536, vocabulary
   * 30522, 512 positions starting at 0, LayerNorm eps 1e-12) at 512 max tokens.
   */
  public static RecformerConfig miniLmL6() {
    return new RecformerConfig(
        30522,
        384,
        6,
        12,
        1536,
        512,
        0,
        4,
        50,
        51,
        3,
        32,
        512,
        64,
        1e-12,
        0.1,
        0.1,
        0.05,
        0.1,
        Pooling.CLS);
  }

  /** A preset by name: {@code longformer-base}, {@code longformer-mini} or {@code minilm-l6}. */
  public static RecformerConfig preset(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "longformer-base" -> longformerBase();
      case "longformer-mini" -> longformerMini();
      case "minilm-l6" -> miniLmL6();
      default ->
          throw new IllegalArgumentException(
              "unknown config preset '"
                  + name
                  + "' (known: longformer-base, longformer-mini, minilm-l6)");
    };
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  private static void requireAtLeast(String field, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s = %d is out of range: must be >= %d", field, value, min));
    }
  }

  private static void requireInOpen(String field, double value, double low, double high) {
    if (!(value > low && value < high)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s = %s is out of range: must be in (%s, %s)",
              field,
              value,
              low,
              high));
    }
  }

  private static void requireInHalfOpen(String field, double value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s = %s is out of range: must be in [0, 1)", field, value));
    }
  }

  /** Mutable copy of a config; {@link #build()} validates. */
  public static final class Builder {
    private int vocabSize;
    private int hiddenSize;
    private int numLayers;
    private int numHeads;
    private int intermediateSize;
    private int maxPositions;
    private int positionOffset;
    private int tokenTypes;
    private int maxItems;
    private int maxItemPositions;
    private int maxAttributes;
    private int maxAttributeTokens;
    private int maxTokens;
    private int attentionWindow;
    private double layerNormEps;
    private double hiddenDropout;
    private double attentionDropout;
    private double temperature;
    private double mlmWeight;
    private Pooling pooling;

    private Builder(RecformerConfig c) {
      vocabSize = c.vocabSize;
      hiddenSize = c.hiddenSize;
      numLayers = c.numLayers;
      numHeads = c.numHeads;
      intermediateSize = c.intermediateSize;
      maxPositions = c.maxPositions;
      positionOffset = c.positionOffset;
      tokenTypes = c.tokenTypes;
      maxItems = c.maxItems;
      maxItemPositions = c.maxItemPositions;
      maxAttributes = c.maxAttributes;
      maxAttributeTokens = c.maxAttributeTokens;
      maxTokens = c.maxTokens;
      attentionWindow = c.attentionWindow;
      layerNormEps = c.layerNormEps;
      hiddenDropout = c.hiddenDropout;
      attentionDropout = c.attentionDropout;
      temperature = c.temperature;
      mlmWeight = c.mlmWeight;
      pooling = c.pooling;
    }

    public Builder vocabSize(int v) {
      vocabSize = v;
      return this;
    }

    public Builder hiddenSize(int v) {
      hiddenSize = v;
      return this;
    }

    public Builder numLayers(int v) {
      numLayers = v;
      return this;
    }

    public Builder numHeads(int v) {
      numHeads = v;
      return this;
    }

    public Builder intermediateSize(int v) {
      intermediateSize = v;
      return this;
    }

    public Builder maxPositions(int v) {
      maxPositions = v;
      return this;
    }

    public Builder positionOffset(int v) {
      positionOffset = v;
      return this;
    }

    public Builder tokenTypes(int v) {
      tokenTypes = v;
      return this;
    }

    public Builder maxItems(int v) {
      maxItems = v;
      return this;
    }

    public Builder maxItemPositions(int v) {
      maxItemPositions = v;
      return this;
    }

    public Builder maxAttributes(int v) {
      maxAttributes = v;
      return this;
    }

    public Builder maxAttributeTokens(int v) {
      maxAttributeTokens = v;
      return this;
    }

    public Builder maxTokens(int v) {
      maxTokens = v;
      return this;
    }

    public Builder attentionWindow(int v) {
      attentionWindow = v;
      return this;
    }

    public Builder layerNormEps(double v) {
      layerNormEps = v;
      return this;
    }

    public Builder hiddenDropout(double v) {
      hiddenDropout = v;
      return this;
    }

    public Builder attentionDropout(double v) {
      attentionDropout = v;
      return this;
    }

    public Builder temperature(double v) {
      temperature = v;
      return this;
    }

    public Builder mlmWeight(double v) {
      mlmWeight = v;
      return this;
    }

    public Builder pooling(Pooling v) {
      pooling = v;
      return this;
    }

    /** Sets both dropout rates (0 for deterministic tests and evaluation-only use). */
    public Builder dropout(double v) {
      hiddenDropout = v;
      attentionDropout = v;
      return this;
    }

    public RecformerConfig build() {
      return new RecformerConfig(
          vocabSize,
          hiddenSize,
          numLayers,
          numHeads,
          intermediateSize,
          maxPositions,
          positionOffset,
          tokenTypes,
          maxItems,
          maxItemPositions,
          maxAttributes,
          maxAttributeTokens,
          maxTokens,
          attentionWindow,
          layerNormEps,
          hiddenDropout,
          attentionDropout,
          temperature,
          mlmWeight,
          pooling);
    }
  }
}
