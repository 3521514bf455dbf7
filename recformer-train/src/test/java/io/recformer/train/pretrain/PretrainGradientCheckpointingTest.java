package io.recformer.train.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.sample.PretrainPairSampler;
import io.recformer.data.sample.TrainingSample;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.run.DataParallel;
import io.recformer.train.run.StepLosses;
import io.recformer.train.run.TrainingStep;
import io.recformer.train.testing.TinySetup;
import io.recformer.train.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pre-training with {@code gradientCheckpointing} computes what the ordinary backward computes: the
 * same loss components and the same gradient of every trained parameter for one micro-batch (IIC
 * and both MLM forwards pending at once), and a run with the option logs the same steps. Dropout is
 * off: with it, the checkpointed forward draws its masks from other seeds.
 */
class PretrainGradientCheckpointingTest {

  private static RecformerConfig config;
  private static RecformerTokenizer tokenizer;
  private static LeaveOneOutSplit split;
  private static Map<String, WeightTensor> initial;
  private static List<UserHistory> train;

  @BeforeAll
  static void setUp(@TempDir Path dir) throws Exception {
    config = TinySetup.tinyConfig().toBuilder().hiddenDropout(0).attentionDropout(0).build();
    tokenizer = TinySetup.tokenizer(dir, config);
    split = TinySetup.slice(30);
    initial = TinySetup.randomWeights(config, 5);
    train = split.dataset().users().subList(0, 22);
  }

  @AfterAll
  static void tearDown() {
    tokenizer.close();
  }

  private static PretrainOptions options() {
    return PretrainOptions.defaults().withBudget(1, 8, 2, 1e-3).withSeed(4);
  }

  /** The loss components and the gradients of one micro-batch. */
  @SuppressWarnings("ArrayRecordComponent") // read once, never compared
  private record Step(double[] losses, Map<String, float[]> gradients) {}

  @Test
  void aCheckpointedStepHasThePlainLossAndGradients() {
    Step plain = step(options());
    Step checkpointed = step(options().withGradientCheckpointing(true));
    for (int i = 0; i < 3; i++) { // total, IIC, MLM
      double x = plain.losses()[i];
      assertThat(checkpointed.losses()[i])
          .as("loss component %d", i)
          .isCloseTo(x, within(1e-5 * Math.max(1, Math.abs(x))));
    }
    // Every trained parameter: the encoder layers, embeddings but the frozen words, the LM head.
    assertThat(checkpointed.gradients().keySet()).isEqualTo(plain.gradients().keySet());
    assertThat(plain.gradients()).containsKey("encoder.layer.0.attention.self.query.weight");
    assertThat(plain.gradients()).containsKey("lm_head.dense.weight");
    assertThat(plain.gradients()).doesNotContainKey("embeddings.word_embeddings.weight");
    for (String name : plain.gradients().keySet()) {
      float[] x = plain.gradients().get(name);
      float[] y = checkpointed.gradients().get(name);
      double scale = 0;
      double difference = 0;
      for (int i = 0; i < x.length; i++) {
        scale = Math.max(scale, Math.abs(x[i]));
        difference = Math.max(difference, Math.abs(x[i] - y[i]));
      }
      // Within 1e-5 of the parameter's largest gradient (these gradients are far below 1, so an
      // absolute 1e-5 would hide real differences); measured: at most 1.2e-7 of it.
      assertThat(difference).as(name).isCloseTo(0, within(1e-5 * scale));
    }
    // Not a comparison of zeros: the layer's weights get a gradient (3.5e-5 at most here).
    float[] first = plain.gradients().get("encoder.layer.0.output.dense.weight");
    double largest = 0;
    for (float v : first) {
      largest = Math.max(largest, Math.abs(v));
    }
    assertThat(largest).isGreaterThan(1e-6);
  }

  @Test
  void aRunWithTheOptionLogsTheSameSteps(@TempDir Path dir) throws Exception {
    List<List<String>> logs = new ArrayList<>();
    for (PretrainOptions o : List.of(options(), options().withGradientCheckpointing(true))) {
      Path run = dir.resolve(o.gradientCheckpointing() ? "checkpointed" : "plain");
      new Pretrainer(
              o,
              config,
              initial,
              tokenizer,
              split.dataset().items(),
              train,
              split.dataset().users().subList(22, 30),
              split.dataset().fingerprint())
          .run(run);
      logs.add(Files.readAllLines(run.resolve("metrics-steps.csv")));
    }
    assertThat(Files.readString(dir.resolve("checkpointed/config.json")))
        .contains("\"gradientCheckpointing\" : true");
    assertThat(logs.get(0)).hasSize(3).hasSameSizeAs(logs.get(1)); // header + 2 steps
    for (int row = 1; row < logs.get(0).size(); row++) {
      List<String> a = List.of(logs.get(0).get(row).split(",", -1));
      List<String> b = List.of(logs.get(1).get(row).split(",", -1));
      for (int col = 2; col < 7; col++) { // loss, IIC, MLM, rate, gradient norm
        double x = Double.parseDouble(a.get(col));
        assertThat(Double.parseDouble(b.get(col)))
            .as("row %d column %d", row, col)
            .isCloseTo(x, within(1e-5 * Math.max(1, Math.abs(x))));
      }
    }
  }

  private static Step step(PretrainOptions o) {
    List<TrainingSample> pairs =
        new PretrainPairSampler(o.seed()).sample(train, 0).subList(0, o.batchSize());
    try (NDManager manager = NDManager.newBaseManager(Device.cpu());
        RecformerModel model = RecformerModel.newInstance(manager, config, o.seed())) {
      Pretrainer.prepare(model, o, initial);
      assertThat(model.gradientCheckpointing()).isEqualTo(o.gradientCheckpointing());
      ItemTokenCache cache = new ItemTokenCache(tokenizer, split.dataset().items()).tokenizeAll();
      try (DataParallel parallel = DataParallel.of(model, List.of(Device.cpu()), o.seed());
          StepLosses losses = new StepLosses(manager, 3)) {
        PretrainLoss loss =
            new PretrainLoss(
                o,
                config,
                tokenizer,
                cache,
                BatchCollator.unrounded(config, tokenizer.padId()),
                manager,
                parallel,
                losses);
        WholeWordMasker masker =
            new WholeWordMasker(
                o.maskProbability(),
                tokenizer.maskId(),
                config.vocabSize(),
                tokenizer::isSpecial,
                11);
        TrainingStep.seedDropout(7);
        loss.microBatch(pairs, masker);
        Map<String, float[]> gradients = new LinkedHashMap<>();
        for (String name : model.parameterShapes().keySet()) {
          NDArray p = model.parameter(name).getArray();
          if (p.hasGradient()) {
            gradients.put(name, p.getGradient().toFloatArray());
          }
        }
        return new Step(losses.readAndReset(), gradients);
      }
    }
  }
}
