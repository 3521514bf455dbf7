package io.recformer.train.finetune;

/** The fine-tuning schedules compared in the mini study (reference section 5). */
public enum Variant {
  /**
   * Algorithm 1: stage 1 re-encodes the item matrix every epoch, stage 2 restarts from the best
   * model with its matrix frozen for good.
   */
  BOTH_STAGES,
  /**
   * The matrix of the initial (zero-shot) model is encoded once and never re-encoded; the encoder
   * trains against it for the whole run (one stage, stage-1 patience).
   */
  FIXED_MATRIX,
  /**
   * The matrix starts as the initial model's encodings and is a trainable parameter updated with
   * the encoder (one stage, stage-1 patience; the logits are computed unchunked through autograd).
   */
  TRAINABLE_MATRIX,
  /** Stage 1 of Algorithm 1 only. */
  STAGE1_ONLY,
  /**
   * Stage 2 of Algorithm 1 only: the initial model's matrix frozen, encoder trained, stage-2
   * patience. Differs from {@link #FIXED_MATRIX} only in the patience.
   */
  STAGE2_ONLY
}
