/**
 * The Recformer input encoding (reference section 2): a tokenizer over a local tokenizer.json,
 * items tokenized once into key/value tokens, histories assembled newest first with item positions,
 * and padding into engine-ready batches. Engine-free: the arrays here feed both the DJL training
 * model and ONNX Runtime serving.
 */
package io.recformer.core.text;
