/**
 * The int8 quantization benchmark: parity (per-item cosine, Recall@10) and speed of an int8 model
 * bundle against the float32 bundle of the same weights, both served by recformer-infer.
 */
package io.recformer.bench.quantization;
