/**
 * Evaluation with a trained or pre-trained model: the item matrix and history encodings computed in
 * length-sorted batches without gradient, full-ranking Recall/NDCG/MRR under explicit tie and
 * history policies (reference section 6), and the popularity baseline under the same protocol.
 */
package io.recformer.train.eval;
