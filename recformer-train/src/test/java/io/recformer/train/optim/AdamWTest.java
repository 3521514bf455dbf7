package io.recformer.train.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {

  /**
   * Two steps of loss = sum(c * p) (gradient c) against the update computed by hand in double; one
   * parameter has three times the rate (and so three times the decay).
   */
  @Test
  void twoStepsMatchTheHandComputedUpdateWithDecayOnlyOnWeightsAndARateFactor() {
    double lr = 0.1;
    double wd = 0.5;
    float[] start = {1.0f, -2.0f};
    float[] c = {0.3f, -4.0f};
    try (NDManager m = NDManager.newBaseManager();
        AdamW adam = new AdamW(m, new AdamW.Options(0.9, 0.999, 1e-8, wd))) {
      Map<String, NDArray> params = new LinkedHashMap<>();
      params.put("layer.weight", m.create(start.clone()));
      params.put("layer.bias", m.create(start.clone()));
      params.put("item_matrix", m.create(start.clone()));
      params.values().forEach(p -> p.setRequiresGradient(true));
      for (int step = 0; step < 2; step++) {
        try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
          NDArray constant = m.create(c);
          for (NDArray p : params.values()) {
            g.backward(p.mul(constant).sum());
          }
        }
        adam.step(params, lr, name -> name.equals("item_matrix") ? 3 : 1);
      }
      for (String name : params.keySet()) {
        boolean decay = !AdamW.noDecay(name);
        double rate = name.equals("item_matrix") ? 3 * lr : lr;
        float[] actual = params.get(name).toFloatArray();
        for (int i = 0; i < 2; i++) {
          double p = start[i];
          double mom = 0;
          double vel = 0;
          for (int t = 1; t <= 2; t++) {
            if (decay) {
              p -= rate * wd * p;
            }
            mom = 0.9 * mom + 0.1 * c[i];
            vel = 0.999 * vel + 0.001 * c[i] * c[i];
            double mh = mom / (1 - Math.pow(0.9, t));
            double vh = vel / (1 - Math.pow(0.999, t));
            p -= rate * mh / (Math.sqrt(vh) + 1e-8);
          }
          assertThat((double) actual[i]).as("%s[%d]", name, i).isCloseTo(p, within(1e-5));
        }
      }
      assertThat(adam.steps()).isEqualTo(2);
      assertThat(params.get("layer.weight").getGradient().toFloatArray()).containsOnly(0f);
    }
  }

  /**
   * Steps (with the norm, clipping and the finiteness check of {@link OptimizerStep}) must not
   * leave temporaries behind: the arrays alive after step 2 and step 6 agree.
   */
  @Test
  void stepsLeaveNoArraysBehind() {
    try (NDManager m = NDManager.newBaseManager();
        AdamW adam = new AdamW(m, AdamW.Options.withWeightDecay(0.01))) {
      OptimizerStep stepper = new OptimizerStep(adam, List.of(OptimizerStep.Group.all(1.0)));
      Map<String, NDArray> params = new LinkedHashMap<>();
      params.put("layer.weight", m.randomNormal(new Shape(8, 4)));
      params.put("layer.bias", m.zeros(new Shape(8)));
      params.values().forEach(p -> p.setRequiresGradient(true));
      int afterTwo = 0;
      for (int step = 1; step <= 6; step++) {
        try (NDManager scope = m.newSubManager();
            GradientCollector g = Engine.getInstance().newGradientCollector()) {
          for (NDArray p : params.values()) {
            scope.tempAttachAll(p);
            g.backward(p.square().sum());
          }
        }
        stepper.apply(params, 1e-3, name -> 1, step);
        int alive = ((BaseNDManager) m).getManagedArrays().size();
        if (step == 2) {
          afterTwo = alive;
        } else if (step > 2) {
          assertThat(alive).as("arrays alive after step %d", step).isEqualTo(afterTwo);
        }
      }
    }
  }

  @Test
  void noDecayCoversBiasesAndLayerNorms() {
    assertThat(AdamW.noDecay("encoder.layer.0.attention.output.LayerNorm.weight")).isTrue();
    assertThat(AdamW.noDecay("lm_head.layer_norm.weight")).isTrue();
    assertThat(AdamW.noDecay("lm_head.bias")).isTrue();
    assertThat(AdamW.noDecay("encoder.layer.0.attention.self.query.weight")).isFalse();
  }

  @Test
  void stateRoundTripsThroughAFile(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        AdamW first = new AdamW(m, AdamW.Options.withWeightDecay(0));
        AdamW second = new AdamW(m, AdamW.Options.withWeightDecay(0))) {
      NDArray p1 = m.create(new float[] {1, 2});
      NDArray p2 = m.create(new float[] {1, 2});
      for (NDArray p : new NDArray[] {p1, p2}) {
        p.setRequiresGradient(true);
      }
      step(first, p1);
      first.save(dir.resolve("optimizer.safetensors"));
      second.load(dir.resolve("optimizer.safetensors"));
      p2.set(p1.toFloatArray());
      step(first, p1);
      step(second, p2);
      assertThat(p2.toFloatArray()).containsExactly(p1.toFloatArray());
      assertThat(second.steps()).isEqualTo(2);
    }
  }

  private static void step(AdamW adam, NDArray p) {
    try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
      g.backward(p.square().sum());
    }
    adam.step(Map.of("p", p), 0.01);
  }

  @Test
  void scheduleWarmsUpThenDecaysLinearly() {
    LinearSchedule s = new LinearSchedule(1e-3, 10, 110);
    assertThat(s.rate(0)).isEqualTo(0.0);
    assertThat(s.rate(5)).isCloseTo(5e-4, within(1e-12));
    assertThat(s.rate(10)).isCloseTo(1e-3, within(1e-12));
    assertThat(s.rate(60)).isCloseTo(5e-4, within(1e-12));
    assertThat(s.rate(200)).isEqualTo(0.0);
    assertThat(new LinearSchedule(1e-3, 0, 4).rate(0)).isCloseTo(1e-3, within(1e-12));
    assertThatThrownBy(() -> new LinearSchedule(1e-3, 10, 5))
        .hasMessageContaining("totalSteps = 5 must be >= max(1, warmupSteps = 10)");
  }
}
