/**
 * Engine-free weights: named tensors, safetensors checkpoints, and importers that map pre-trained
 * models (all-MiniLM-L6-v2 from its ONNX file, the original Recformer's key prefixes) onto this
 * project's Hugging Face Longformer parameter names.
 */
package io.recformer.train.weights;
