/**
 * Engine-free weights: named float tensors ({@link io.recformer.train.weights.WeightTensor}), the
 * model's parameter layout ({@link io.recformer.train.weights.RecformerWeightLayout}), safetensors
 * checkpoints ({@link io.recformer.train.weights.SafeTensors}), and importers that map pre-trained
 * models (all-MiniLM-L6-v2 from its ONNX file, the original Recformer's key names) onto this
 * project's Hugging Face Longformer parameter names. Nothing here imports DJL, so checkpoints can
 * be inspected, converted and validated without loading an engine.
 */
package io.recformer.train.weights;
