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

  /** Opens the bundle; a missing or malformed bundle is an IOException, that is bad input. */
  RecformerEncoder open() throws IOException {
    if (bundle == null) {
      throw new IllegalArgumentException("Missing required option: '--bundle=<bundle>'");
    }
    return RecformerEncoder.open(
        bundle, EncoderOptions.defaults().withIntraOpThreads(threads).withBatchSize(batchSize));
  }
}
