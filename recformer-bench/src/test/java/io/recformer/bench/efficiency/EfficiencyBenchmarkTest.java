package io.recformer.bench.efficiency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.train.run.DeviceUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EfficiencyBenchmarkTest {

  @TempDir Path tmp;

  private static Path scientific() {
    return Path.of(
        System.getProperty("recformer.repo.root", "."), "data", "amazon-scientific-unisrec");
  }

  private EfficiencyBenchmark bench(String... args) {
    EfficiencyBenchmark bench = new EfficiencyBenchmark();
    new CommandLine(bench).parseArgs(args);
    return bench;
  }

  @Test
  void quickModeMeasuresOneCellInAChildJvmAndWritesAllFiles() throws Exception {
    Path out = tmp.resolve("out");
    EfficiencyBenchmark.Outcome outcome =
        bench(
                "--quick",
                "--data",
                scientific().toString(),
                "--out",
                out.toString(),
                "--threads",
                "1",
                "--child-heap",
                "512m")
            .run();

    assertThat(outcome.cells()).hasSize(1);
    CellResult cell = outcome.cells().get(0);
    assertThat(cell.status)
        .as(Files.readString(out.resolve("cells/tiny-128-2.log")))
        .isEqualTo("ok");
    assertThat(cell.model).isEqualTo("tiny");
    assertThat(cell.size).isEqualTo("2 x 64");
    assertThat(cell.stepTimes).hasSize(2);
    // The step time is the median of the timed steps (of two: their mean), not a stray value.
    assertThat(cell.stepSeconds)
        .isCloseTo(
            (cell.stepTimes.get(0) + cell.stepTimes.get(1)) / 2, Percentage.withPercentage(1e-9));
    // 8,442 Scientific users, one sample each per epoch, 2 per step.
    assertThat(cell.trainingSequences).isEqualTo(8442);
    assertThat(cell.stepsPerEpoch).isEqualTo(4221);
    assertThat(cell.epochSeconds).isCloseTo(4221 * cell.stepSeconds, Offset.offset(1e-9));
    // "full" sequences fill the 128 tokens (50 items of about 40 tokens overflow them).
    assertThat(cell.meanTokens).isEqualTo(128.0);
    assertThat(cell.paddedLength).isEqualTo(128);
    // The child's own peak: a JVM with PyTorch loaded is well above 100 MB resident; the parent's
    // peak (this test JVM) is not what is reported, the child's is at most the cell's peak.
    assertThat(cell.trainingPeakRssMb).isGreaterThan(100L);
    assertThat(cell.peakRssMb).isGreaterThanOrEqualTo(cell.trainingPeakRssMb);
    // libtorch's own allocations alone are tens of MB beyond the heap for a PyTorch step.
    assertThat(cell.trainingPeakNativeMb).isGreaterThan(10L);
    assertThat(cell.heapMaxMb).isLessThanOrEqualTo(512L);
    assertThat(cell.gpuPeakMb).isNull();
    assertThat(cell.ortSequences).isEqualTo(4);
    assertThat(cell.ortTokensPerSecond)
        .isCloseTo(cell.ortSequencesPerSecond * 128, Percentage.withPercentage(1e-6));

    List<String> csv = Files.readAllLines(out.resolve("efficiency.csv"));
    assertThat(csv).hasSize(2);
    assertThat(csv.get(0)).startsWith("model,layers x hidden,max tokens,batch,device,status,");
    assertThat(csv.get(1)).startsWith("tiny,2 x 64,128,2,cpu,ok,128,");
    JsonNode json = new ObjectMapper().readTree(out.resolve("efficiency.json").toFile());
    assertThat(json.get("formatVersion").asInt()).isEqualTo(1);
    assertThat(json.get("settings").get("cpu").asText()).isNotBlank();
    assertThat(json.get("settings").get("commit").asText()).isNotBlank();
    assertThat(json.get("settings").get("cell JVM flags").asText())
        .contains("-Xss4m", "-Dai.djl.offline=true", "-Xmx512m");
    assertThat(json.get("cells").get(0).get("stepSeconds").asDouble()).isEqualTo(cell.stepSeconds);
    String md = Files.readString(out.resolve("efficiency.md"));
    assertThat(md)
        .isEqualTo(outcome.markdown())
        .contains("| tiny | 2 x 64 | 128 | 2 | cpu | ok |")
        .contains("Machine: ")
        .contains("### Settings");
    assertThat(ImageIO.read(out.resolve("efficiency.png").toFile()).getWidth()).isEqualTo(900);
    assertThat(ImageIO.read(out.resolve("efficiency-memory.png").toFile()).getHeight())
        .isEqualTo(500);
  }

  @Test
  void keepMeasuredReusesOkCellsOnlyUnderTheSameSettings() throws Exception {
    Path out = tmp.resolve("kept");
    String data = scientific().toString();
    // A first run whose only cell is stopped: nothing to keep, so the second run measures it.
    bench("--quick", "--data", data, "--out", out.toString(), "--cell-timeout", "1").run();
    assertThat(Files.readString(out.resolve(EfficiencyBenchmark.MEASUREMENT_FILE)))
        .contains("\"steps\" : \"2\"");
    // A measured cell is kept as it is, byte for byte, without starting a child JVM.
    CellResult measured = CellResult.read(out.resolve("cells/tiny-128-2.json"));
    measured.status = CellResult.OK;
    measured.stepSeconds = 12.5;
    measured.write(out.resolve("cells/tiny-128-2.json"));
    long start = System.nanoTime();
    EfficiencyBenchmark.Outcome kept =
        bench(
                "--quick",
                "--data",
                data,
                "--out",
                out.toString(),
                "--cell-timeout",
                "1",
                "--keep-measured")
            .run();
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
    assertThat(kept.cells().get(0).stepSeconds).isEqualTo(12.5);
    assertThat(kept.settings().get("cells kept from earlier runs")).startsWith("1 of 1 ");
    // --only-kept reports a grid larger than what was measured without measuring the rest.
    EfficiencyBenchmark.Outcome report =
        bench(
                "--data",
                data,
                "--out",
                out.toString(),
                "--models",
                "tiny",
                "--max-tokens",
                "128,64",
                "--batches",
                "2",
                "--threads",
                "0",
                "--warmup",
                "1",
                "--steps",
                "2",
                "--item-sample",
                "16",
                "--ort-sequences",
                "4",
                "--ort-runs",
                "1",
                "--keep-measured",
                "--only-kept")
            .run();
    assertThat(report.cells()).extracting(c -> c.status).containsExactly("ok", "not measured yet");
    assertThat(Files.exists(out.resolve("cells/tiny-64-2.json"))).isFalse();
    // Other measurement settings: refused, naming the difference; nothing is overwritten.
    assertThatThrownBy(
            () ->
                bench(
                        "--quick",
                        "--data",
                        data,
                        "--out",
                        out.toString(),
                        "--seed",
                        "7",
                        "--keep-measured")
                    .run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("seed: earlier '42', now '7'");
    assertThat(CellResult.read(out.resolve("cells/tiny-128-2.json")).stepSeconds).isEqualTo(12.5);
    // No record of how earlier cells were measured: refused.
    assertThatThrownBy(
            () ->
                bench(
                        "--quick",
                        "--data",
                        data,
                        "--out",
                        tmp.resolve("fresh").toString(),
                        "--keep-measured")
                    .run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("measurement.json does not exist");
  }

  @Test
  void aCellOverItsTimeCapIsReportedAsSkippedNotHung() throws Exception {
    Path out = tmp.resolve("capped");
    long start = System.nanoTime();
    EfficiencyBenchmark.Outcome outcome =
        bench(
                "--quick",
                "--data",
                scientific().toString(),
                "--out",
                out.toString(),
                "--cell-timeout",
                "1")
            .run();
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(40);
    CellResult cell = outcome.cells().get(0);
    assertThat(cell.status).startsWith("skipped (over 1 s, during ");
    assertThat(cell.stepSeconds).isNull();
    assertThat(Files.readAllLines(out.resolve("efficiency.csv")).get(1))
        .startsWith("tiny,2 x 64,128,2,cpu,\"skipped (over 1 s, during ")
        .endsWith(",,,,,,,,,,,,");
  }

  @Test
  void gpuWithoutAGpuFailsAtOnceWithDjlsExplanation() {
    assertThatThrownBy(
            () ->
                bench(
                        "--quick",
                        "--device",
                        "gpu",
                        "--data",
                        scientific().toString(),
                        "--out",
                        tmp.resolve("gpu").toString())
                    .run())
        .isInstanceOf(DeviceUnavailableException.class)
        .hasMessageContaining("device gpu was requested but the PyTorch engine")
        .hasMessageContaining("sees 0 GPU(s)")
        .hasMessageContaining("PYTORCH_LIBRARY_PATH")
        .hasMessageContaining("docs/gpu.md");
    assertThat(tmp.resolve("gpu")).doesNotExist();
  }

  @Test
  void rejectsUnknownModelsAndDevices() {
    assertThatThrownBy(
            () ->
                bench(
                        "--models",
                        "bert",
                        "--data",
                        scientific().toString(),
                        "--out",
                        tmp.resolve("x").toString())
                    .run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "model = 'bert' is not one of longformer-base, minilm-l6, longformer-mini, tiny");
    assertThatThrownBy(
            () ->
                bench(
                        "--quick",
                        "--device",
                        "tpu",
                        "--data",
                        scientific().toString(),
                        "--out",
                        tmp.resolve("x").toString())
                    .run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("device = 'tpu' must be cpu, gpu or gpu:N (N = CUDA device index)");
  }

  @Test
  void cellConfigsKeepThePresetsAndGrowShortPositionTables() {
    assertThat(new Cell("longformer-base", 1024, 8).config().numLayers()).isEqualTo(12);
    assertThat(new Cell("longformer-base", 1024, 8).size()).isEqualTo("12 x 768");
    assertThat(new Cell("longformer-mini", 256, 16).size()).isEqualTo("6 x 256");
    // MiniLM's table has 512 positions from 0: 1024 tokens need 1024.
    assertThat(new Cell("minilm-l6", 1024, 8).config().maxPositions()).isEqualTo(1024);
    assertThat(new Cell("minilm-l6", 256, 8).config().maxPositions()).isEqualTo(512);
    assertThat(new Cell("minilm-l6", 256, 8).config().maxTokens()).isEqualTo(256);
    assertThatThrownBy(() -> new Cell("minilm-l6", 8, 8))
        .hasMessage("maxTokens = 8 is out of range: must be in [16, 4096]");
  }
}
