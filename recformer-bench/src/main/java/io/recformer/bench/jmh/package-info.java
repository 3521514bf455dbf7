/**
 * JMH micro-benchmarks of the hot paths: input encoding, the ONNX Runtime encoder, the exact top-K
 * scan and one training step; {@link io.recformer.bench.jmh.JmhBenchmarks} runs them and records
 * the machine and commit next to JMH's own results.
 */
package io.recformer.bench.jmh;
