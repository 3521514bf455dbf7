package io.recformer.train.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OrtSession;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.RecformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The exported attention is O(n w), not n x n: a 16,384-token sequence (window 8) runs in ONNX
 * Runtime with little memory (one full n x n score tensor of the 2 heads would take 2 GiB), and
 * still equals the DJL model.
 */
class LongSequenceTest {

  private static final int N = 16_384;

  @Test
  void sixteenThousandTokensNeedNoQuadraticMemory() throws Exception {
    Path status = Path.of("/proc/self/status");
    assumeThat(Files.isReadable(status)).as("Linux /proc for peak memory").isTrue();
    RecformerConfig config = TinyBundleTest.config();
    try (NDManager root = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(root, config, 9)) {
      model.loadWeights(ExportFixtures.randomWeights(model.parameterShapes(), 9, 0.3));
      byte[] onnx = OnnxExporter.toOnnx(model, ExportFixtures.fixedProvenance(9));
      EncodedBatch batch = longBatch(config);
      try (OrtSession session = ExportFixtures.session(onnx, 1)) {
        ExportFixtures.ort(session, shortBatch(config)); // allocator and kernels warmed up
        long before = peakRssKb(status);
        ExportFixtures.Outputs ort = ExportFixtures.ort(session, batch);
        long grownMb = (peakRssKb(status) - before) / 1024;
        LoggerFactory.getLogger(LongSequenceTest.class)
            .info("{} tokens: peak RSS grew by {} MB", N, grownMb);
        assertThat(grownMb).as("peak RSS growth in MB for %d tokens", N).isLessThan(600);
        ExportFixtures.Outputs djl = ExportFixtures.djl(model, batch);
        assertThat(ExportFixtures.maxDiff(djl.pooled(), ort.pooled())).isLessThanOrEqualTo(1e-4);
      }
    }
  }

  /** One row of N real tokens; positions cycle through the small position table. */
  private static EncodedBatch longBatch(RecformerConfig config) {
    EncodedBatch random = ExportFixtures.batch(config, N, new int[] {N}, null, 4);
    int[] positions = random.tokenPositionIds().clone();
    int[] items = random.itemPositionIds().clone();
    for (int i = 0; i < N; i++) {
      positions[i] = i % config.maxPositions();
      items[i] = Math.min(items[i], config.maxItems());
    }
    return new EncodedBatch(
        1,
        N,
        random.inputIds(),
        random.tokenTypeIds(),
        positions,
        items,
        random.attentionMask(),
        random.globalAttentionMask());
  }

  private static EncodedBatch shortBatch(RecformerConfig config) {
    return ExportFixtures.batch(config, 20, new int[] {20}, null, 5);
  }

  private static long peakRssKb(Path status) throws IOException {
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmHWM in " + status);
  }
}
