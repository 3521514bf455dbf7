package io.recformer.train.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class RunFilesTest {

  @Test
  void csvLogAppendsWithRootLocaleAndTruncatesForResume(@TempDir Path dir) {
    CsvLog log = new CsvLog(dir.resolve("m.csv"), List.of("stage", "step", "loss"));
    log.append("stage1", 1, 0.5);
    log.append("stage1", 2, 1234.5678);
    assertThat(log.rows()).isEqualTo(2);
    assertThat(log.readRows().get(1)).containsExactly("stage1", "2", "1234.5678");
    log.truncate(1);
    assertThat(log.rows()).isEqualTo(1);
    assertThatThrownBy(() -> log.append("x")).hasMessageContaining("1 values for 3 columns");
    assertThatThrownBy(() -> new CsvLog(dir.resolve("m.csv"), List.of("other")))
        .hasMessageContaining("has header 'stage,step,loss', expected 'other'");
  }

  @Test
  void progressLineHasRateAndEta() {
    Progress p =
        new Progress(LoggerFactory.getLogger(RunFilesTest.class), "epoch 1", 100, "samples", 1000);
    p.advance(25, "loss 1.0");
    String line = p.line(System.nanoTime(), "loss 1.0");
    assertThat(line).startsWith("epoch 1: 25/100 samples, loss 1.0, ").contains(" samples/s, ETA ");
  }

  @Test
  void chartsAreWrittenAsPng(@TempDir Path dir) throws Exception {
    Charts.line(
        dir.resolve("c.png"),
        "t",
        "x",
        "y",
        Map.of("a", List.of(new double[] {1, 2}, new double[] {2, 1})));
    byte[] head = Files.readAllBytes(dir.resolve("c.png"));
    assertThat(head[1]).isEqualTo((byte) 'P');
    assertThat(head[2]).isEqualTo((byte) 'N');
  }

  @Test
  void runDirectoryRefusesToOverwriteAndDeviceNamesAreChecked(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("f"), "x");
    assertThatThrownBy(() -> RunDirectory.create(dir)).hasMessageContaining("is not empty");
    assertThatThrownBy(() -> Devices.validateName("cuda"))
        .hasMessageContaining("device = 'cuda' must be cpu, gpu or gpu:N");
    assertThat(Devices.select("cpu").isGpu()).isFalse();
  }
}
