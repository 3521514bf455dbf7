package io.recformer.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.config.RecformerConfig;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleArchiveTest {

  @TempDir Path temp;
  private Path bundle;
  private BundleManifest manifest;

  @BeforeEach
  void bundle() throws Exception {
    bundle = temp.resolve("bundle");
    Files.createDirectories(bundle);
    Files.write(bundle.resolve("model.onnx"), new byte[] {1, 2, 3});
    Files.writeString(bundle.resolve("tokenizer.json"), "{\"version\": \"1.0\"}");
    manifest =
        BundleManifest.of(
                RecformerConfig.miniLmL6(),
                List.of("pooled", "embedding"),
                384,
                ProvenanceTest.fixed())
            .withHashes(bundle);
    manifest.write(bundle);
  }

  @Test
  void packsExactlyTheThreeFilesDeterministicallyAndExtractsThem() throws Exception {
    Path a = temp.resolve("a.zip");
    Path b = temp.resolve("b.zip");
    assertThat(BundleArchive.write(bundle, a)).isEqualTo(manifest);
    BundleArchive.write(bundle, b);
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
    assertThat(BundleArchive.isArchive(a)).isTrue();
    assertThat(BundleArchive.isArchive(bundle.resolve("model.onnx"))).isFalse();
    try (ZipFile zip = new ZipFile(a.toFile())) {
      List<String> names = new ArrayList<>();
      zip.stream()
          .forEach(
              e -> {
                names.add(e.getName());
                assertThat(e.getMethod()).isEqualTo(ZipEntry.STORED);
              });
      assertThat(names).containsExactly("manifest.json", "model.onnx", "tokenizer.json");
    }
    Path out = temp.resolve("out");
    assertThat(BundleArchive.extract(a, out)).isEqualTo(manifest);
    assertThat(Files.readAllBytes(out.resolve("model.onnx"))).containsExactly(1, 2, 3);
  }

  @Test
  void brokenBundlesAreNotPacked() throws Exception {
    Files.write(bundle.resolve("model.onnx"), new byte[] {9});
    assertThatThrownBy(() -> BundleArchive.write(bundle, temp.resolve("x.zip")))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining("does not match");
    assertThat(temp.resolve("x.zip")).doesNotExist();
  }

  @Test
  void rejectsWhatIsNotABundleArchive() throws Exception {
    Path text = temp.resolve("text.zip");
    Files.writeString(text, "hello");
    assertThatThrownBy(() -> BundleArchive.extract(text, temp.resolve("o1")))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining("is not a bundle archive");
    assertThatThrownBy(() -> BundleArchive.extract(temp.resolve("none.zip"), temp.resolve("o2")))
        .isInstanceOf(NoSuchFileException.class);

    Path withPath = zip("path.zip", Map.of("../evil.txt", "x"));
    assertThatThrownBy(() -> BundleArchive.extract(withPath, temp.resolve("o3")))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining("'../evil.txt' must be a plain file name");
    assertThat(temp.resolve("evil.txt")).doesNotExist();

    Path noManifest = zip("nomanifest.zip", Map.of("model.onnx", "x"));
    assertThatThrownBy(() -> BundleArchive.extract(noManifest, temp.resolve("o4")))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining("holds no manifest.json");

    Path withExtra =
        zip(
            "withextra.zip",
            Map.of(
                "manifest.json",
                Files.readString(bundle.resolve("manifest.json")),
                "model.onnx",
                new String(new byte[] {1, 2, 3}, StandardCharsets.ISO_8859_1),
                "tokenizer.json",
                Files.readString(bundle.resolve("tokenizer.json")),
                "notes.txt",
                "x"));
    assertThatThrownBy(() -> BundleArchive.extract(withExtra, temp.resolve("o5")))
        .isInstanceOf(ArtifactFormatException.class)
        .hasMessageContaining("unexpected entries [notes.txt]");
  }

  private Path zip(String name, Map<String, String> entries) throws Exception {
    Path file = temp.resolve(name);
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (var e : new TreeMap<>(entries).entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue().getBytes(StandardCharsets.ISO_8859_1));
        zip.closeEntry();
      }
    }
    return file;
  }
}
