/**
 * Batch recommendations on Apache Spark: {@link io.recformer.spark.RecformerSpark} encodes a
 * catalog with an ONNX bundle (one encoder per executor JVM), encodes every user's history and
 * writes each user's top-K as Parquet, ranked exactly as {@link
 * io.recformer.infer.recommend.Recommender} ranks them. See docs/spark.md.
 */
package io.recformer.spark;
