/**
 * The durable catalog of recformer-infer: the items a recommender serves (their text, kept on disk
 * and read on demand) together with their item index, in a directory that additions are appended to
 * with fsync and that compacts into a new generation atomically. Also the item stores and the text
 * fingerprints that tie each index row to the text its vector was computed from.
 */
package io.recformer.infer.catalog;
