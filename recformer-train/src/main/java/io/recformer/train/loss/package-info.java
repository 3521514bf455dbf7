/**
 * Training losses of Recformer: the full-softmax cross-entropy of {@code cos / tau} against an item
 * matrix, computed in chunks so a catalog of millions of items fits in memory (reference sections 5
 * and 10), the in-batch item-item contrastive loss and the masked-language-model loss of
 * pre-training (section 4).
 */
package io.recformer.train.loss;
