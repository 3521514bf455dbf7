/**
 * Import throughput measurement: a generator of large synthetic Amazon 2018 raw files and a main
 * class that imports them under a fixed heap and reports MB/s and peak heap (results in {@code
 * docs/benchmarks.md}, section "Data import").
 */
package io.recformer.data.benchmark;
