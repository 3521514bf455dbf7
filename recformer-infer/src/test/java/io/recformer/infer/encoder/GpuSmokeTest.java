package io.recformer.infer.encoder;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs the tiny bundle on CUDA and compares with the CPU. Only with {@code -Drecformer.gpu=true}
 * and the {@code gpu} profile (see docs/gpu.md): {@code mvn -o -Pgpu -pl recformer-infer -am test
 * -Drecformer.gpu=true -Dtest=GpuSmokeTest -Dsurefire.failIfNoSpecifiedTests=false}; {@code
 * -Drecformer.gpu.device=N} picks the GPU.
 */
@EnabledIfSystemProperty(named = "recformer.gpu", matches = "true")
class GpuSmokeTest {

  @Test
  void cudaVectorsEqualCpuVectors() throws Exception {
    int device = Integer.getInteger("recformer.gpu.device", 0);
    TinyBundle.Expected expected = TinyBundle.expected();
    EncoderOptions cpu = EncoderOptions.defaults().withIntraOpThreads(1);
    try (RecformerEncoder onCpu = RecformerEncoder.open(TinyBundle.directory(), cpu);
        RecformerEncoder onGpu =
            RecformerEncoder.open(TinyBundle.archive(), cpu.withCuda(device))) {
      float[][] a = onCpu.encodeHistories(expected.histories());
      float[][] b = onGpu.encodeHistories(expected.histories());
      for (int i = 0; i < a.length; i++) {
        assertThat(TinyBundle.maxDiff(a[i], b[i])).as("history " + i).isLessThanOrEqualTo(1e-4);
      }
    }
  }
}
