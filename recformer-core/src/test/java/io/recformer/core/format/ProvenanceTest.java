package io.recformer.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProvenanceTest {

  /** A provenance with fixed values for golden files and round trips. */
  static Provenance fixed() {
    Map<String, String> extras = new LinkedHashMap<>();
    extras.put("djl", "0.36.0");
    extras.put("command", "recformer train --seed 42");
    return new Provenance(
        "sha256:abc",
        42L,
        "0.1.0-SNAPSHOT",
        "17.0.12 (Test Vendor)",
        "Linux 6.1",
        "amd64",
        "0123456789abcdef0123456789abcdef01234567",
        Instant.parse("2026-11-27T08:00:00.125Z"),
        extras);
  }

  @Test
  void captureRecordsTheEnvironment() throws Exception {
    Instant before = Instant.now().minusMillis(1);
    Map<String, String> extras = new LinkedHashMap<>();
    extras.put("z", "last letter first");
    extras.put("a", "first letter second");
    Provenance p = Provenance.capture("none", -7L, extras);
    Instant after = Instant.now();

    assertThat(p.datasetFingerprint()).isEqualTo("none");
    assertThat(p.seed()).isEqualTo(-7L);
    assertThat(p.createdAt()).isBetween(before, after);
    assertThat(p.createdAt().toString()).endsWith("Z");
    assertThat(p.javaVersion()).startsWith(System.getProperty("java.version") + " (");
    assertThat(p.arch()).isEqualTo(System.getProperty("os.arch"));
    assertThat(p.os()).startsWith(System.getProperty("os.name"));
    assertThat(p.extras().keySet()).containsExactly("z", "a");
    // The filtered resource must carry the build's version: compare with the parent pom.
    String root = System.getProperty("recformer.repo.root");
    if (root != null && Files.exists(Path.of(root, "pom.xml"))) {
      Matcher m =
          Pattern.compile(
                  "<artifactId>recformer-parent</artifactId>\\s*<version>([^<]+)" + "</version>")
              .matcher(Files.readString(Path.of(root, "pom.xml")));
      assertThat(m.find()).isTrue();
      assertThat(p.libraryVersion()).isEqualTo(m.group(1));
    } else {
      assertThat(p.libraryVersion()).doesNotContain("${");
    }
    assertThat(p.gitCommit()).isNotBlank();
  }

  @Test
  void rejectsBlankFieldsAndNullExtras() {
    Provenance p = fixed();
    assertThatThrownBy(
            () ->
                new Provenance(
                    " ",
                    1,
                    p.libraryVersion(),
                    p.javaVersion(),
                    p.os(),
                    p.arch(),
                    p.gitCommit(),
                    p.createdAt(),
                    p.extras()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("provenance datasetFingerprint = ' ' must be non-blank text");
    Map<String, String> withNull = new LinkedHashMap<>();
    withNull.put("k", null);
    assertThatThrownBy(() -> Provenance.capture("none", 1, withNull))
        .hasMessage("extras entry k = null must have a non-null key and value");
    assertThatThrownBy(() -> p.extras().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
