package io.recformer.train.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.OwnedArrays;
import io.recformer.train.model.Precision;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.optim.AdamW;
import io.recformer.train.optim.DynamicLossScaler;
import io.recformer.train.optim.OptimizerStep;
import io.recformer.train.testing.TinySetup;
import io.recformer.train.weights.WeightTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Dynamic loss scaling through {@link TrainingStep} on a tiny encoder: the loss is scaled in every
 * backward ({@link DataParallel#scaleLossesBy}) and unscaled before the norm and the update, and a
 * scale that overflows float16 skips the step, counts it, halves the scale and leaves the weights
 * as they were.
 */
class LossScalingTest {

  private static final int ROWS = 4;
  private static final int LENGTH = 20;
  private static final double HUGE = Math.pow(2, 40);

  private final RecformerConfig config =
      TinySetup.tinyConfig().toBuilder().hiddenDropout(0).attentionDropout(0).build();

  @Test
  void anOverflowSkipsTheStepHalvesTheScaleAndLeavesTheWeights() {
    // 2^40 times gradients of about 1e-2 is far beyond float16's 65504 in the float16 backward.
    Run fp16 = step(Precision.FP16_MIXED, new DynamicLossScaler(HUGE, 2000, 2, 0.5, 1));
    assertThat(fp16.outcome.skipped()).isTrue();
    assertThat(fp16.skippedSteps).isEqualTo(1);
    assertThat(fp16.scale).isEqualTo(HUGE / 2);
    assertThat(fp16.goodSteps).isZero();
    assertThat(fp16.changedWeights).isZero();
    assertThat(fp16.nonZeroGradients).as("gradients zeroed after the skip").isZero();

    // The same scale in float32 does not overflow (float32 reaches 3.4e38): the step is taken and
    // counts toward growth, so the skip above is float16's overflow and nothing else.
    Run fp32 = step(Precision.FP32, new DynamicLossScaler(HUGE, 2000, 2, 0.5, 1));
    assertThat(fp32.outcome.skipped()).isFalse();
    assertThat(fp32.skippedSteps).isZero();
    assertThat(fp32.scale).isEqualTo(HUGE);
    assertThat(fp32.goodSteps).isEqualTo(1);
    assertThat(fp32.changedWeights).isPositive();
  }

  @Test
  void theNormIsReportedUnscaledAndMatchesFloat32() {
    Run plain = step(Precision.FP32, null);
    Run scaled = step(Precision.FP16_MIXED, new DynamicLossScaler(1024, 2000, 2, 0.5, 1));
    assertThat(plain.outcome.skipped()).isFalse();
    assertThat(scaled.outcome.skipped()).isFalse();
    assertThat(scaled.scale).isEqualTo(1024);
    assertThat(scaled.goodSteps).isEqualTo(1);
    // Measured 7e-8 relative: the norm is dominated by parameters after the last float16 product
    // (the final LayerNorm's); a norm left scaled would be 1024 times larger.
    double norm = plain.outcome.norm(0);
    assertThat(norm).isGreaterThan(1e-3);
    assertThat(scaled.outcome.norm(0)).isCloseTo(norm, within(1e-5 * norm));
  }

  /** What one optimizer step did. */
  private record Run(
      OptimizerStep.Outcome outcome,
      long skippedSteps,
      double scale,
      int goodSteps,
      int changedWeights,
      int nonZeroGradients) {}

  /** One forward, backward and optimizer step of the tiny model in {@code precision}. */
  private Run step(Precision precision, DynamicLossScaler scaler) {
    float[] direction = random(ROWS * config.hiddenSize(), 5);
    try (NDManager root = NDManager.newBaseManager(Device.cpu());
        RecformerModel model = RecformerModel.newInstance(root, config, 3);
        DataParallel parallel = DataParallel.of(model, List.of(Device.cpu()), 1);
        StepLosses losses = new StepLosses(root, 1);
        AdamW adam = new AdamW(root, AdamW.Options.withWeightDecay(0))) {
      model.setPrecision(precision);
      Map<String, WeightTensor> before = model.exportWeightMap();
      Map<String, NDArray> parameters = new LinkedHashMap<>();
      for (String name : model.parameterShapes().keySet()) {
        parameters.put(name, model.parameter(name).getArray());
      }
      OptimizerStep stepper = new OptimizerStep(adam, List.of(OptimizerStep.Group.all(0)));
      TrainingStep step = new TrainingStep(stepper, parallel, losses, scaler);
      try (NDManager scope = root.newSubManager()) {
        parallel.forwardBackward(
            List.of(0, 1, 2, 3),
            (replica, index, shardScope, rows) -> {
              NDArray pooled = replica.encode(shardScope, batchOf(rows), true).pooled();
              NDArray target = shardScope.create(direction, new Shape(ROWS, config.hiddenSize()));
              NDArray loss = OwnedArrays.scale(pooled.mul(target).sum(), 1.0 / rows.size());
              return new DataParallel.ShardResult(loss, 0);
            },
            1,
            scope);
      }
      TrainingStep.Result result = step.apply(parameters, 1e-3, name -> 1, 1, 1);
      int changed = 0;
      int nonZero = 0;
      for (Map.Entry<String, WeightTensor> e : model.exportWeightMap().entrySet()) {
        float[] was = before.get(e.getKey()).values();
        float[] now = e.getValue().values();
        for (int i = 0; i < now.length; i++) {
          changed += was[i] != now[i] ? 1 : 0;
        }
        NDArray p = parameters.get(e.getKey());
        NDArray g = p.hasGradient() ? p.getGradient() : null;
        if (g != null) {
          for (float v : g.toFloatArray()) {
            nonZero += v != 0 ? 1 : 0;
          }
        }
      }
      return new Run(
          result.outcome(),
          step.skippedSteps(),
          scaler == null ? 1 : scaler.scale(),
          scaler == null ? 0 : scaler.goodSteps(),
          changed,
          nonZero);
    }
  }

  private EncodedBatch batchOf(List<Integer> rows) {
    return DataParallelTest.syntheticBatch(config, rows, LENGTH, 8, 3);
  }

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}
