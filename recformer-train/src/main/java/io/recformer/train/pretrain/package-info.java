/**
 * Recformer pre-training (reference section 4): pairs of a history and its next item, the in-batch
 * item-item contrastive loss plus {@code lambda} times the whole-word-masked language model loss,
 * validation by in-batch next-item accuracy on held-out sequences, best checkpoint.
 */
package io.recformer.train.pretrain;
