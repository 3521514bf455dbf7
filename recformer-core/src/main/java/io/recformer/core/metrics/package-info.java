/**
 * Full-ranking evaluation (reference section 6): the rank of a user's target among every catalog
 * item, Recall@K, NDCG@K and MRR under an explicit {@link io.recformer.core.metrics.TiePolicy} and
 * {@link io.recformer.core.metrics.HistoryPolicy}, averaged per user by a thread-safe {@link
 * io.recformer.core.metrics.MetricAccumulator} into a {@link
 * io.recformer.core.metrics.MetricReport}.
 */
package io.recformer.core.metrics;
