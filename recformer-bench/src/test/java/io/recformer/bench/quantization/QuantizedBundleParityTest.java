package io.recformer.bench.quantization;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.BundleManifest;
import io.recformer.core.format.BundleQuantization;
import io.recformer.core.format.Provenance;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.train.export.Int8Quantization;
import io.recformer.train.export.OnnxExporter;
import io.recformer.train.weights.MiniLmImporter;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The int8 bundle of the zero-shot MiniLM-initialized Recformer against its float32 bundle on the
 * first 300 items of the bundled Scientific catalog, both opened with the unchanged {@link
 * RecformerEncoder#open}: every item's int8 vector within cosine 0.999 of its float32 vector.
 *
 * <p>Tolerance: 0.999 is the product requirement, at the default outlier threshold 1.25: over the
 * whole catalog that setting measured a minimum of 0.99911 on a VNNI CPU (threshold 1.5: 0.99880, 1
 * item below; docs/benchmarks.md, "Int8 quantization"), so the assertion fails on any change that
 * makes int8 noticeably less exact (a wrong scale, layout or outlier channel moves cosines to 0.99
 * or far below). The int8 kernels are deterministic for one CPU, but ONNX Runtime picks them by
 * instruction set: on x86 without VNNI the u8 x s8 products go through 16-bit sums that can
 * saturate (0.99846 at threshold 1.5 and 0.99850 at 1.25 over the catalog on such a host), so there
 * the test asserts 0.998: such a machine should not serve int8 bundles where 0.999 is required, but
 * the export is not wrong. The full catalog and Recall@10 run in {@link QuantizationBenchmark}.
 */
class QuantizedBundleParityTest {

  @Test
  void int8ItemVectorsStayWithinCosine0999OfFloat32(@TempDir Path temp) throws Exception {
    Path data =
        Path.of(System.getProperty("recformer.repo.root", ".."))
            .resolve("data/amazon-scientific-unisrec");
    Dataset dataset = Datasets.open(data);
    ItemCatalog catalog = dataset.items();
    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder().maxTokens(256).pooling(Pooling.MEAN).build();
    Map<String, WeightTensor> weights = MiniLmImporter.importFromClasspath(config, 42);
    Path tokenizer = temp.resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(tokenizer);
    Provenance provenance = Provenance.capture(dataset.fingerprint(), 42, Map.of());
    Int8Quantization int8;
    try (RecformerTokenizer t = RecformerTokenizer.open(tokenizer, config)) {
      // The default threshold (1.25), the one that keeps every Scientific item within 0.999 on a
      // VNNI CPU (docs/benchmarks.md).
      int8 = Int8Quantization.perChannel().withCalibrationItems(t, catalog, 256);
    }
    OnnxExporter.writeBundle(config, weights, tokenizer, provenance, temp.resolve("fp32"));
    BundleManifest manifest =
        OnnxExporter.writeBundle(
            config, weights, tokenizer, provenance, temp.resolve("int8"), int8);
    BundleQuantization q = manifest.quantization().orElseThrow();
    assertThat(manifest.formatVersion()).isEqualTo(2);
    assertThat(q.quantizedLayers()).isEqualTo(30);
    assertThat(q.calibrationSequences()).isEqualTo(256);
    assertThat(q.outlierChannels()).isPositive();

    EncoderOptions options = EncoderOptions.defaults().withIntraOpThreads(2);
    float[][] a;
    float[][] b;
    try (RecformerEncoder fp32 = RecformerEncoder.open(temp.resolve("fp32"), options);
        RecformerEncoder quantized = RecformerEncoder.open(temp.resolve("int8"), options)) {
      assertThat(quantized.manifest().quantization()).contains(q);
      ItemTokenCache cache = new ItemTokenCache(fp32.tokenizer(), catalog).tokenizeAll();
      List<EncodedSequence> items = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        items.add(cache.encodeItem(i));
      }
      a = fp32.encodeSequences(items);
      b = quantized.encodeSequences(items);
    }
    double min = 1;
    for (int i = 0; i < a.length; i++) {
      min = Math.min(min, QuantizationBenchmark.dot(a[i], b[i]));
    }
    // The product requirement holds on CPUs with VNNI int8 dot products; without them (AVX2 only,
    // 16-bit sums that saturate) the same bundle measured 0.99846, so such hosts get a bound that
    // still catches export bugs (they move cosines to 0.99 or far below).
    double required = hasVnni() ? 0.999 : 0.998;
    assertThat(min).as("smallest item cosine int8 vs float32").isGreaterThanOrEqualTo(required);
    assertThat(min).as("vectors are normalized").isLessThanOrEqualTo(1.00001);
  }

  /** Whether this x86 CPU has VNNI int8 dot products (ONNX Runtime's exact int8 path). */
  private static boolean hasVnni() throws IOException {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (!Files.isReadable(cpuinfo)) {
      return true; // not Linux: hold the product requirement
    }
    String text = Files.readString(cpuinfo);
    return text.contains("avx512_vnni") || text.contains("avx_vnni");
  }
}
