/**
 * The efficiency benchmark: training-step time, estimated fine-tuning epoch time, peak process
 * memory and ONNX Runtime throughput of the Recformer encoder over a grid of model sizes, token
 * lengths and batch sizes, each grid cell measured in its own child JVM so its peak memory is its
 * own (the mini study's table, reference section 9).
 */
package io.recformer.bench.efficiency;
