/**
 * Serving-side encoder: {@link io.recformer.infer.encoder.RecformerEncoder} loads a model bundle
 * (directory or archive) exported by recformer-train and turns items and user histories into
 * L2-normalized vectors with ONNX Runtime on CPU or CUDA. No engine type appears in its public API.
 */
package io.recformer.infer.encoder;
