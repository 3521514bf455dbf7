package io.recformer.train.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.recformer.train.weights.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptimizerStepTest {

  @TempDir Path temp;

  /** Parameters "w" (2 values) and "item_matrix" (1 value) whose gradients are the given ones. */
  private static Map<String, NDArray> withGradients(
      NDManager m, float[] weightGradient, float matrixGradient) {
    Map<String, NDArray> params = new LinkedHashMap<>();
    params.put("w", m.create(new float[] {1, 1}));
    params.put("item_matrix", m.create(new float[] {1}));
    params.values().forEach(p -> p.setRequiresGradient(true));
    try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
      NDArray loss =
          params
              .get("w")
              .mul(m.create(weightGradient))
              .sum()
              .add(params.get("item_matrix").mul(matrixGradient).sum());
      g.backward(loss);
    }
    return params;
  }

  private static List<OptimizerStep.Group> twoGroups(double clip) {
    return List.of(
        new OptimizerStep.Group("encoder", name -> !name.equals("item_matrix"), clip),
        new OptimizerStep.Group("item_matrix", "item_matrix"::equals, clip));
  }

  /** AdamW's first moments after one step: (1 - beta1) times each clipped gradient. */
  private Map<String, float[]> firstMoments(AdamW adam) throws IOException {
    Path file = temp.resolve("optimizer.safetensors");
    adam.save(file);
    Map<String, float[]> moments = new LinkedHashMap<>();
    SafeTensors.read(file)
        .tensors()
        .forEach(
            (name, tensor) -> {
              if (name.startsWith("m.")) {
                moments.put(name.substring(2), tensor.values());
              }
            });
    return moments;
  }

  @Test
  void eachGroupIsClippedToItsOwnNormAndTheNormsAreReportedBeforeClipping() throws IOException {
    try (NDManager m = NDManager.newBaseManager();
        AdamW adam = new AdamW(m, AdamW.Options.withWeightDecay(0))) {
      // Encoder gradient (30, 40): norm 50, clipped to 1 -> (0.6, 0.8). Matrix gradient 0.5: below
      // its own clip, so left alone; one clip shared with the encoder would have made it 0.01.
      Map<String, NDArray> params = withGradients(m, new float[] {30, 40}, 0.5f);
      OptimizerStep.Outcome outcome =
          new OptimizerStep(adam, twoGroups(1.0)).apply(params, 0.0, name -> 1, 1);
      assertThat(outcome.skipped()).isFalse();
      assertThat(outcome.norm(0)).isCloseTo(50.0, within(1e-4));
      assertThat(outcome.norm(1)).isCloseTo(0.5, within(1e-6));
      Map<String, float[]> moments = firstMoments(adam);
      assertThat(moments.get("w")[0]).isCloseTo(0.1f * 0.6f, within(1e-6f));
      assertThat(moments.get("w")[1]).isCloseTo(0.1f * 0.8f, within(1e-6f));
      assertThat(moments.get("item_matrix")[0]).isCloseTo(0.1f * 0.5f, within(1e-6f));
      // Rate 0 moves nothing; the gradients are zeroed after the step.
      assertThat(params.get("w").toFloatArray()).containsExactly(1f, 1f);
      assertThat(params.get("w").getGradient().toFloatArray()).containsOnly(0f);
      assertThat(params.get("item_matrix").getGradient().toFloatArray()).containsOnly(0f);
    }
  }

  @Test
  void oneSharedGroupClipsEverythingTogether() throws IOException {
    try (NDManager m = NDManager.newBaseManager();
        AdamW adam = new AdamW(m, AdamW.Options.withWeightDecay(0))) {
      Map<String, NDArray> params = withGradients(m, new float[] {30, 40}, 0.5f);
      OptimizerStep.Outcome outcome =
          new OptimizerStep(adam, List.of(OptimizerStep.Group.all(1.0)))
              .apply(params, 0.0, name -> 1, 1);
      double norm = Math.sqrt(30 * 30 + 40 * 40 + 0.25);
      assertThat(outcome.norm(0)).isCloseTo(norm, within(1e-4));
      assertThat(firstMoments(adam).get("item_matrix")[0])
          .isCloseTo((float) (0.1 * 0.5 / norm), within(1e-7f));
    }
  }

  @Test
  void aNonFiniteGradientSkipsTheStepAndIsClearedForTheNextOne() {
    try (NDManager m = NDManager.newBaseManager();
        AdamW adam = new AdamW(m, AdamW.Options.withWeightDecay(0))) {
      OptimizerStep stepper = new OptimizerStep(adam, twoGroups(1.0));
      Map<String, NDArray> params = withGradients(m, new float[] {Float.NaN, 1}, 0.5f);

      OptimizerStep.Outcome bad = stepper.apply(params, 0.1, name -> 1, 7);
      assertThat(bad.skipped()).isTrue();
      assertThat(bad.norm(0)).isNaN();
      assertThat(stepper.skippedSteps()).isEqualTo(1);
      assertThat(adam.steps()).as("a skipped step does not count for AdamW").isZero();
      assertThat(params.get("w").toFloatArray()).containsExactly(1f, 1f);
      assertThat(params.get("item_matrix").toFloatArray()).containsExactly(1f);
      // Filled with zeros: a NaN minus itself would have stayed NaN.
      assertThat(params.get("w").getGradient().toFloatArray()).containsOnly(0f);

      // The next step with finite gradients applies normally: AdamW's first step moves each
      // parameter by the rate against the gradient's sign.
      try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
        g.backward(params.get("w").sum().add(params.get("item_matrix").sum()));
      }
      OptimizerStep.Outcome good = stepper.apply(params, 0.1, name -> 1, 8);
      assertThat(good.skipped()).isFalse();
      assertThat(stepper.skippedSteps()).isEqualTo(1);
      assertThat(params.get("w").toFloatArray()[0]).isCloseTo(0.9f, within(1e-5f));
      assertThat(params.get("item_matrix").toFloatArray()[0]).isCloseTo(0.9f, within(1e-5f));
    }
  }

  @Test
  void anInfiniteNormInOneGroupSkipsTheWholeStep() {
    try (NDManager m = NDManager.newBaseManager();
        AdamW adam = new AdamW(m, AdamW.Options.withWeightDecay(0))) {
      OptimizerStep stepper = new OptimizerStep(adam, twoGroups(0));
      Map<String, NDArray> params = withGradients(m, new float[] {1, 1}, Float.POSITIVE_INFINITY);
      OptimizerStep.Outcome outcome = stepper.apply(params, 0.1, name -> 1, 1);
      assertThat(outcome.skipped()).isTrue();
      assertThat(outcome.norm(0)).isCloseTo(Math.sqrt(2), within(1e-6));
      assertThat(outcome.norm(1)).isInfinite();
      assertThat(params.get("w").toFloatArray()).containsExactly(1f, 1f);
    }
  }

  @Test
  void aGroupWithoutGradientsReportsNaNWithoutSkipping() {
    try (NDManager m = NDManager.newBaseManager();
        AdamW adam = new AdamW(m, AdamW.Options.withWeightDecay(0))) {
      Map<String, NDArray> params = new LinkedHashMap<>();
      params.put("w", m.create(new float[] {2}));
      params.get("w").setRequiresGradient(true);
      try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
        g.backward(params.get("w").mul(2).sum());
      }
      OptimizerStep.Outcome outcome =
          new OptimizerStep(adam, twoGroups(0)).apply(params, 0.5, name -> 1, 1);
      assertThat(outcome.skipped()).isFalse();
      assertThat(outcome.norm(0)).isCloseTo(2.0, within(1e-6));
      assertThat(outcome.norm(1)).isNaN();
      assertThat(params.get("w").toFloatArray()[0]).isCloseTo(1.5f, within(1e-5f));
    }
  }

  @Test
  void invalidGroupsAreRejected() {
    assertThatThrownBy(() -> new OptimizerStep.Group("g", n -> true, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clipNorm of group 'g' = -1.0 must be >= 0");
  }
}
