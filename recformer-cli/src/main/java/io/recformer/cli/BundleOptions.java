package io.recformer.cli;

import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that serve from an ONNX model bundle through recformer-infer. */
final class BundleOptions {

  // Not required by the parser: `index --verify` checks a file without a bundle. open() requires
  // it.
  @Option(
      names = "--bundle",
      description =
          "ONNX model bundle: a directory with manifest.json, model.onnx and tokenizer.json, or its"
              + " .zip archive.")
  Path bundle;

  @Option(
      names = "--threads",
      description = "ONNX Runtime intra-op threads (default: all processors).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--batch-size",
      description = "Sequences per ONNX Runtime call (default: ${DEFAULT-VALUE}).")
  int batchSize = 32;

  @Option(
      names = "--graph-optimization",
      description =
          "ONNX Runtime graph optimization: NONE, BASIC, EXTENDED or ALL (default:"
              + " ${DEFAULT-VALUE}).")
  EncoderOptions.GraphOptimization graphOptimization = EncoderOptions.GraphOptimization.ALL;

  @Option(
      names = "--no-spinning",
      description =
          "Idle ONNX Runtime intra-op threads sleep instead of spinning (ONNX Runtime's default),"
              + " freeing the cores for other work between operators.")
  boolean noSpinning;

  @Option(
      names = "--execution-mode",
      description =
          "ONNX Runtime execution mode: SEQUENTIAL or PARALLEL (default: ${DEFAULT-VALUE}).")
  EncoderOptions.ExecutionMode executionMode = EncoderOptions.ExecutionMode.SEQUENTIAL;

  /** The encoder options these flags select. */
  EncoderOptions options() {
    return EncoderOptions.defaults()
        .withIntraOpThreads(threads)
        .withBatchSize(batchSize)
        .withGraphOptimization(graphOptimization)
        .withIntraOpSpinning(!noSpinning)
        .withExecutionMode(executionMode);
  }

  /** Opens the bundle; a missing or malformed bundle is an IOException, that is bad input. */
  RecformerEncoder open() throws IOException {
    if (bundle == null) {
      throw new IllegalArgumentException("Missing required option: '--bundle=<bundle>'");
    }
    return RecformerEncoder.open(bundle, options());
  }
}
