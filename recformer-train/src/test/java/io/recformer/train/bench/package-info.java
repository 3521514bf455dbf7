/**
 * Speed runners for the encoder (main classes, not tests): GEMM rate, forward and training-step
 * throughput with model-FLOPs utilization, sliding-window vs full attention. To move into
 * recformer-bench.
 */
package io.recformer.train.bench;
