package io.recformer.bench.efficiency;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one cell measured. Filled step by step by the child JVM ({@link CellRun}) and written after
 * each phase, so a cell stopped at its time cap still reports the phases it finished. A measure
 * that was not taken is {@code null}, never a made-up number.
 */
@JsonAutoDetect(
    fieldVisibility = JsonAutoDetect.Visibility.ANY,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.ALWAYS)
final class CellResult {

  static final String OK = "ok";

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  String model;
  String size;
  int maxTokens;
  int batch;
  String device;

  /** "ok", "running: <phase>" while in progress, "skipped (...)" or "failed: ..." */
  String status;

  /** Median wall seconds of one training step (forward, loss, backward, clipping, AdamW). */
  Double stepSeconds;

  /** Median process CPU seconds of one training step (all threads). */
  Double stepCpuSeconds;

  List<Double> stepTimes = new ArrayList<>();

  /** Mean real (non-padding) tokens per training sequence, and the padded length of the batches. */
  Double meanTokens;

  Integer paddedLength;
  Integer trainingSequences;
  Integer stepsPerEpoch;

  /** stepsPerEpoch x stepSeconds: the training steps of one fine-tuning epoch. */
  Double epochSeconds;

  /**
   * Re-encoding the whole item matrix once (DJL, eval mode), extrapolated from a sample of items.
   */
  Double itemMatrixSeconds;

  Integer catalogItems;

  /** VmHWM after the training phase (before export), in MB. */
  Long trainingPeakRssMb;

  /**
   * Peak of RSS minus the JVM's used heap and non-heap during training, in MB (sampled; an upper
   * bound).
   */
  Long trainingPeakNativeMb;

  /** Device-wide GPU memory in use (CUDA free/total) at its sampled peak, GPU runs only, in MB. */
  Long gpuPeakMb;

  /** VmHWM at the end of the cell (training, export and ONNX Runtime), in MB. */
  Long peakRssMb;

  Long heapMaxMb;

  /** ONNX Runtime: histories per second and real tokens per second (median of the timed runs). */
  Double ortSequencesPerSecond;

  Double ortTokensPerSecond;
  Integer ortSequences;
  Double exportSeconds;
  Double wallSeconds;
  Integer threads;
  String note = "";

  static CellResult started(Cell cell, String device) {
    CellResult r = new CellResult();
    r.model = cell.model();
    r.size = cell.size();
    r.maxTokens = cell.maxTokens();
    r.batch = cell.batch();
    r.device = device;
    r.status = "running: start";
    return r;
  }

  void write(Path file) throws IOException {
    AtomicFiles.writeString(file, MAPPER.writeValueAsString(this));
  }

  static CellResult read(Path file) throws IOException {
    return MAPPER.readValue(file.toFile(), CellResult.class);
  }

  boolean ok() {
    return OK.equals(status);
  }
}
