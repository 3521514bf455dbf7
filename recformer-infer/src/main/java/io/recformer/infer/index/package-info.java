/**
 * The item index: L2-normalized item vectors with their ids, answering top-K cosine queries (single
 * or batched, with exclusions and filters) and stored in a versioned, memory-mappable file. {@link
 * io.recformer.infer.index.ItemIndex} is the contract; {@link
 * io.recformer.infer.index.ExactItemIndex} is the flat, exact implementation, {@link
 * io.recformer.infer.index.HnswItemIndex} the approximate one (an HNSW graph built and searched by
 * Lucene) for large catalogs.
 */
package io.recformer.infer.index;
