/**
 * ONNX export of the trained encoder and the model bundle writer: the encoder becomes a graph of
 * standard opset-17 operators with the DJL model's O(n w) sliding-window attention, packaged with
 * its tokenizer and a versioned manifest as a directory or a single archive. Served by
 * recformer-infer; layout in {@code docs/formats.md}.
 */
package io.recformer.train.export;
