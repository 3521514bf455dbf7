/**
 * The recommender facade of recformer-infer: encode a user's history with the ONNX encoder, rank
 * the catalog in an item index, and add new (cold-start) items without re-encoding the catalog.
 */
package io.recformer.infer.recommend;
