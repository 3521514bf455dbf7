package io.recformer.infer.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.recformer.core.format.ArtifactFormatException;
import io.recformer.core.item.Item;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecformerEncoderTest {

  private static final double TOLERANCE = 1e-4;
  private static final EncoderOptions OPTIONS =
      EncoderOptions.defaults().withIntraOpThreads(1).withBatchSize(4);

  @Test
  void itemAndHistoryVectorsEqualTheDjlModel() throws Exception {
    TinyBundle.Expected expected = TinyBundle.expected();
    try (RecformerEncoder encoder = RecformerEncoder.open(TinyBundle.directory(), OPTIONS)) {
      assertThat(encoder.dimension()).isEqualTo(16);
      float[][] items = encoder.embedItems(expected.items());
      for (int i = 0; i < items.length; i++) {
        String id = expected.items().get(i).id();
        assertThat(TinyBundle.maxDiff(items[i], expected.itemVectors().get(id)))
            .as("item " + id)
            .isLessThanOrEqualTo(TOLERANCE);
        assertThat(norm(items[i])).isCloseTo(1.0, Assertions.within(1e-5));
      }
      float[][] histories = encoder.encodeHistories(expected.histories());
      for (int i = 0; i < histories.length; i++) {
        assertThat(TinyBundle.maxDiff(histories[i], expected.historyVectors().get(i)))
            .as("history " + i)
            .isLessThanOrEqualTo(TOLERANCE);
      }
      assertThat(
              TinyBundle.maxDiff(
                  encoder.encodeHistory(expected.histories().get(2)),
                  expected.historyVectors().get(2)))
          .isLessThanOrEqualTo(TOLERANCE);
      assertThat(
              TinyBundle.maxDiff(
                  encoder.embedItem(expected.items().get(3)), expected.itemVectors().get("i4")))
          .isLessThanOrEqualTo(TOLERANCE);
      // Pre-tokenized sequences through the encoder's own tokenizer give the same vectors.
      float[][] viaSequences =
          encoder.encodeSequences(encoder.tokenizer().encodeItems(expected.items()));
      for (int i = 0; i < items.length; i++) {
        assertThat(viaSequences[i]).containsExactly(items[i]);
      }
    }
  }

  @Test
  void archiveGivesTheSameVectorsAsTheDirectory() throws Exception {
    TinyBundle.Expected expected = TinyBundle.expected();
    try (RecformerEncoder dir = RecformerEncoder.open(TinyBundle.directory(), OPTIONS);
        RecformerEncoder zip = RecformerEncoder.open(TinyBundle.archive(), OPTIONS)) {
      assertThat(zip.manifest()).isEqualTo(dir.manifest());
      float[][] a = dir.encodeHistories(expected.histories());
      float[][] b = zip.encodeHistories(expected.histories());
      for (int i = 0; i < a.length; i++) {
        assertThat(b[i]).containsExactly(a[i]);
      }
    }
  }

  /**
   * Length bucketing sorts, batches and restores order: many shuffled histories of mixed lengths in
   * batches of 3 give each history the vector it gets alone.
   */
  @Test
  void lengthBucketedBatchesRestoreTheCallersOrder() throws Exception {
    TinyBundle.Expected expected = TinyBundle.expected();
    List<List<Item>> histories = randomHistories(expected.items(), 25, 1);
    try (RecformerEncoder batched =
            RecformerEncoder.open(TinyBundle.directory(), OPTIONS.withBatchSize(3));
        RecformerEncoder single =
            RecformerEncoder.open(TinyBundle.directory(), OPTIONS.withBatchSize(1))) {
      float[][] all = batched.encodeHistories(histories);
      assertThat(all.length).isEqualTo(histories.size());
      for (int i = 0; i < histories.size(); i++) {
        assertThat(TinyBundle.maxDiff(all[i], single.encodeHistory(histories.get(i))))
            .as("history " + i)
            .isLessThanOrEqualTo(1e-5);
      }
      assertThat(batched.embedItems(List.of())).isEmpty();
      assertThat(batched.encodeHistories(List.of())).isEmpty();
    }
  }

  @Test
  void concurrentCallersGetTheSameVectors() throws Exception {
    TinyBundle.Expected expected = TinyBundle.expected();
    List<List<Item>> histories = randomHistories(expected.items(), 12, 2);
    try (RecformerEncoder encoder = RecformerEncoder.open(TinyBundle.directory(), OPTIONS)) {
      float[][] reference = encoder.encodeHistories(histories);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[][]>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          futures.add(pool.submit(() -> encoder.encodeHistories(histories)));
        }
        for (Future<float[][]> f : futures) {
          float[][] got = f.get();
          for (int i = 0; i < got.length; i++) {
            assertThat(TinyBundle.maxDiff(got[i], reference[i])).isLessThanOrEqualTo(1e-6);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() throws Exception {
    RecformerEncoder encoder = RecformerEncoder.open(TinyBundle.directory(), OPTIONS);
    encoder.close();
    encoder.close();
    assertThatThrownBy(() -> encoder.embedItems(TinyBundle.expected().items()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void newerManifestVersionFails(@TempDir Path temp) throws Exception {
    Path bundle = TinyBundle.copy(temp.resolve("b"));
    replace(bundle.resolve("manifest.json"), "\"formatVersion\": 1", "\"formatVersion\": 9");
    assertThatThrownBy(() -> RecformerEncoder.open(bundle, OPTIONS))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining("format version 9")
        .hasMessageContaining("upgrade the library");
  }

  @Test
  void configDifferentFromTheModelsFails(@TempDir Path temp) throws Exception {
    Path bundle = TinyBundle.copy(temp.resolve("b"));
    replace(bundle.resolve("manifest.json"), "\"maxTokens\": 48", "\"maxTokens\": 40");
    assertThatThrownBy(() -> RecformerEncoder.open(bundle, OPTIONS))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining("does not match the config stored in")
        .hasMessageContaining("maxTokens: manifest 40, model 48");
  }

  @Test
  void changedTokenizerFailsTheHashCheck(@TempDir Path temp) throws Exception {
    Path bundle = TinyBundle.copy(temp.resolve("b"));
    Files.writeString(
        bundle.resolve("tokenizer.json"), " ", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    assertThatThrownBy(() -> RecformerEncoder.open(bundle, OPTIONS))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining("tokenizer.json does not match")
        .hasMessageContaining("sha256");
  }

  @Test
  void corruptedArchiveAndMissingBundleFail(@TempDir Path temp) throws Exception {
    Path notZip = temp.resolve("broken.zip");
    Files.writeString(notZip, "not a zip");
    assertThatThrownBy(() -> RecformerEncoder.open(notZip, OPTIONS))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining("is not a bundle archive");
    Path truncated = temp.resolve("truncated.zip");
    byte[] bytes = Files.readAllBytes(TinyBundle.archive());
    Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> RecformerEncoder.open(truncated, OPTIONS))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> RecformerEncoder.open(temp.resolve("nothing"), OPTIONS))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void cudaOnTheCpuBuildSaysWhatIsMissing() {
    assumeThat(OrtEnvironment.getAvailableProviders()).doesNotContain(OrtProvider.CUDA);
    assertThatThrownBy(() -> RecformerEncoder.open(TinyBundle.directory(), OPTIONS.withCuda(0)))
        .isInstanceOf(EncoderException.class)
        .hasMessageContaining("CUDA execution provider not available in this ONNX Runtime build")
        .hasMessageContaining("com.microsoft.onnxruntime:onnxruntime_gpu")
        .hasMessageContaining("profile `gpu`")
        .hasMessageContaining("CUDA 12");
  }

  @Test
  void optionsAreValidated() {
    assertThatThrownBy(() -> OPTIONS.withBatchSize(0))
        .hasMessage("batchSize = 0 is out of range: must be >= 1");
    assertThatThrownBy(() -> OPTIONS.withIntraOpThreads(0))
        .hasMessage("intraOpThreads = 0 is out of range: must be >= 1");
    assertThatThrownBy(() -> OPTIONS.withCuda(-1))
        .hasMessage("deviceId = -1 is out of range: must be >= 0");
  }

  private static List<List<Item>> randomHistories(List<Item> items, int count, long seed) {
    Random random = new Random(seed);
    List<List<Item>> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      List<Item> h = new ArrayList<>();
      int n = 1 + random.nextInt(10);
      for (int k = 0; k < n; k++) {
        h.add(items.get(random.nextInt(items.size())));
      }
      out.add(Collections.unmodifiableList(h));
    }
    return out;
  }

  private static void replace(Path file, String from, String to) throws Exception {
    String text = Files.readString(file);
    assertThat(text).contains(from);
    Files.writeString(file, text.replace(from, to));
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }
}
