package io.recformer.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  @TempDir Path dir;

  @Test
  void writesContentAndLeavesNoTemporaryFiles() throws IOException {
    Path target = dir.resolve("sub/out.txt");
    AtomicFiles.writeString(target, "hello");
    assertThat(target).hasContent("hello");
    try (var files = Files.list(target.getParent())) {
      assertThat(files).containsExactly(target);
    }
  }

  @Test
  void failedWriteKeepsThePreviousContent() throws IOException {
    Path target = dir.resolve("out.txt");
    AtomicFiles.writeString(target, "old");
    assertThatThrownBy(
            () ->
                AtomicFiles.write(
                    target,
                    out -> {
                      out.write("partial".getBytes(StandardCharsets.UTF_8));
                      throw new IOException("disk on fire");
                    }))
        .hasMessage("disk on fire");
    assertThat(target).hasContent("old");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(target);
    }
  }
}
