package io.recformer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recformer.cli.config.ConfigLayer;
import io.recformer.cli.config.ResolvedConfig;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.data.sample.FineTuneSampler;
import io.recformer.train.finetune.FineTuneOptions;
import io.recformer.train.finetune.Variant;
import io.recformer.train.pretrain.PretrainOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The example files under config/ resolve with the commands' schemas to the documented run. */
class ExampleConfigsTest {

  private static final Path CONFIG =
      Path.of(System.getProperty("recformer.repo.root", "..")).resolve("config");
  private static final RecformerConfig MINILM = RecformerConfig.miniLmL6();

  /** The [CLS] two-hour recipe the later Scientific experiments are pinned against. */
  private static final String CLS_RECIPE = "finetune-scientific-2h-cls.yaml";

  /** A file under config/ resolved with the finetune command's schema (MiniLM init). */
  private static ResolvedConfig finetuneFile(String name) throws IOException {
    return ResolvedConfig.resolve(
        Schemas.finetune(MINILM, "init minilm"), List.of(ConfigLayer.file(CONFIG.resolve(name))));
  }

  /** The fine-tuning options a file under config/ binds to. */
  private static FineTuneOptions finetuneOptions(String name) throws IOException {
    return finetuneFile(name).bind(FineTuneOptions.defaults());
  }

  /** A file under config/ resolved with the pretrain command's schema (MiniLM init). */
  private static ResolvedConfig pretrainFile(String name) throws IOException {
    return ResolvedConfig.resolve(
        Schemas.pretrain(MINILM, "init minilm"), List.of(ConfigLayer.file(CONFIG.resolve(name))));
  }

  @Test
  void everyFinetuneRecipeIsPinnedToTheBehaviourItWasRunWith() throws Exception {
    // The defaults became the original's after these runs were made: each file names this
    // library's earlier choices explicitly, so its committed results stay reproducible.
    List<String> names;
    try (var files = Files.list(CONFIG)) {
      names =
          files
              .map(f -> f.getFileName().toString())
              .filter(n -> n.startsWith("finetune-") && n.endsWith(".yaml"))
              .sorted()
              .toList();
    }
    assertThat(names).hasSizeGreaterThanOrEqualTo(16);
    for (String name : names) {
      ResolvedConfig c = finetuneFile(name);
      for (String key :
          List.of(
              "clipNorm", "freshOptimizerPerStage", "samplePolicy", "stage1ValidationReencodes")) {
        assertThat(c.get(key)).as(name + ": " + key).isNotNull();
        assertThat(c.origin(key)).as(name + ": where " + key + " comes from").contains(name);
      }
      FineTuneOptions o = c.bind(FineTuneOptions.defaults());
      assertThat(o.clipNorm()).as(name).isEqualTo(1.0);
      assertThat(o.freshOptimizerPerStage()).as(name).isTrue();
      assertThat(o.samplePolicy()).as(name).isEqualTo(FineTuneSampler.Policy.RANDOM_TARGET);
      assertThat(o.stage1ValidationReencodes()).as(name).isTrue();
      assertThat(o.toBuilder().earlierDefaults().build()).as(name).isEqualTo(o);
    }
    // ... while the defaults are the original's.
    FineTuneOptions d = FineTuneOptions.defaults();
    assertThat(d.clipNorm()).isZero();
    assertThat(d.freshOptimizerPerStage()).isFalse();
    assertThat(d.samplePolicy()).isEqualTo(FineTuneSampler.Policy.RANDOM_TARGET_ANY_POSITION);
    assertThat(d.stage1ValidationReencodes()).isFalse();
  }

  @Test
  void finetuneScientificIsTheDocumentedRun() throws Exception {
    ResolvedConfig c = finetuneFile("finetune-scientific.yaml");
    FineTuneOptions o = c.bind(FineTuneOptions.defaults());
    assertThat(o.maxTokens()).isEqualTo(256);
    assertThat(o.pooling()).isEqualTo(Pooling.MEAN);
    assertThat(o.batchSize()).isEqualTo(16);
    assertThat(o.gradientAccumulation()).isEqualTo(2);
    assertThat(o.learningRate()).isCloseTo(5e-5, within(1e-18));
    assertThat(o.warmupSteps()).isEqualTo(50);
    assertThat(o.samplesPerEpoch()).isEqualTo(4000);
    assertThat(o.validationUsers()).isEqualTo(1000);
    assertThat(o.testUsers()).isZero();
    assertThat(o.stage1Minutes()).isEqualTo(45.0);
    assertThat(o.stage2Minutes()).isEqualTo(35.0);
    assertThat(o.epochs()).isEqualTo(8);
    assertThat(o.patienceStage1()).isEqualTo(3);
    assertThat(o.patienceStage2()).isEqualTo(2);
    assertThat(o.evalEvery()).isEqualTo(1);
    assertThat(o.variant()).isEqualTo(Variant.BOTH_STAGES);
    assertThat(c.bind(MINILM))
        .isEqualTo(MINILM.toBuilder().maxTokens(256).pooling(Pooling.MEAN).build());
  }

  @Test
  void finetuneScientificPretrainedResolves() throws Exception {
    // The second run of docs/results.md: 128 tokens, 50 + 35 minutes, no zero-shot pass.
    ResolvedConfig c = finetuneFile("finetune-scientific-pretrained.yaml");
    FineTuneOptions o = c.bind(FineTuneOptions.defaults());
    assertThat(o.maxTokens()).isEqualTo(128);
    assertThat(o.learningRate()).isCloseTo(5e-5, within(1e-18));
    assertThat(o.samplesPerEpoch()).isEqualTo(4000);
    assertThat(o.validationUsers()).isEqualTo(1000);
    assertThat(o.stage1Minutes()).isEqualTo(50.0);
    assertThat(o.stage2Minutes()).isEqualTo(35.0);
    assertThat(o.zeroShotTest()).isFalse();
    assertThat(o.variant()).isEqualTo(Variant.BOTH_STAGES);
    assertThat(c.bind(MINILM))
        .isEqualTo(MINILM.toBuilder().maxTokens(128).pooling(Pooling.MEAN).build());
  }

  @Test
  void pretrainOfficeResolves() throws Exception {
    ResolvedConfig c = pretrainFile("pretrain-office.yaml");
    PretrainOptions o = c.bind(PretrainOptions.defaults());
    assertThat(o.batchSize()).isEqualTo(16);
    assertThat(o.gradientAccumulation()).isEqualTo(2);
    assertThat(o.learningRate()).isCloseTo(1e-4, within(1e-18));
    assertThat(o.warmupSteps()).isEqualTo(8);
    assertThat(o.epochs()).isEqualTo(1);
    assertThat(o.maxSteps()).isEqualTo(72);
    assertThat(o.evalEverySteps()).isEqualTo(24);
    assertThat(c.getInt("heldOutUsers")).isEqualTo(500);
    assertThat(c.bind(MINILM).maxTokens()).isEqualTo(256);
  }

  @Test
  void oneHourOfficePretrainingConfigResolves() throws Exception {
    // The run behind docs/results/pt-office-128: 300 steps of 32 pairs at 128 tokens.
    ResolvedConfig c = pretrainFile("pretrain-office-1h.yaml");
    PretrainOptions o = c.bind(PretrainOptions.defaults());
    assertThat(o.batchSize()).isEqualTo(32);
    assertThat(o.gradientAccumulation()).isEqualTo(1);
    assertThat(o.learningRate()).isCloseTo(1e-4, within(1e-18));
    assertThat(o.warmupSteps()).isEqualTo(30);
    assertThat(o.maxSteps()).isEqualTo(300);
    assertThat(o.epochs()).isEqualTo(3);
    assertThat(o.evalEverySteps()).isEqualTo(50);
    assertThat(o.seed()).isEqualTo(42);
    assertThat(c.getInt("heldOutUsers")).isEqualTo(500);
    assertThat(c.bind(MINILM).maxTokens()).isEqualTo(128);
  }

  @Test
  void inDomainScientificPretrainingConfigNeverSeesValidationOrTestItems() throws Exception {
    // Office checkpoint continued on Scientific's training parts (docs/results.md).
    ResolvedConfig c = pretrainFile("pretrain-scientific-train.yaml");
    PretrainOptions o = c.bind(PretrainOptions.defaults());
    assertThat(o.holdOutLastItems()).isEqualTo(2);
    assertThat(o.batchSize()).isEqualTo(32);
    assertThat(o.maxSteps()).isEqualTo(150);
    assertThat(o.warmupSteps()).isEqualTo(15);
    assertThat(o.patience()).isZero();
    assertThat(c.getInt("heldOutUsers")).isEqualTo(500);
    assertThat(c.bind(MINILM).maxTokens()).isEqualTo(128);
  }

  @Test
  void twoHourScientificConfigResolves() throws Exception {
    // Both stages, stage 1's schedule ending with its epochs, a short gentle stage 2.
    ResolvedConfig c = finetuneFile("finetune-scientific-2h.yaml");
    FineTuneOptions o = c.bind(FineTuneOptions.defaults());
    assertThat(o.variant()).isEqualTo(Variant.BOTH_STAGES);
    assertThat(o.epochsOfStage(false)).isEqualTo(6);
    assertThat(o.epochsOfStage(true)).isEqualTo(1);
    assertThat(o.learningRateOfStage(false)).isCloseTo(5e-5, within(1e-18));
    assertThat(o.learningRateOfStage(true)).isCloseTo(1e-5, within(1e-18));
    assertThat(o.patienceStage1()).isEqualTo(o.epochs());
    assertThat(o.samplesPerEpoch()).isZero();
    assertThat(o.warmupSteps()).isEqualTo(100);
    assertThat(o.stage1Minutes() + o.stage2Minutes()).isLessThanOrEqualTo(120.0);
    assertThat(c.bind(MINILM).maxTokens()).isEqualTo(128);
  }

  @Test
  void twoHourScientificConfigAt256TokensResolves() throws Exception {
    // The same recipe with twice the history: half the epochs, everything else unchanged.
    ResolvedConfig c = finetuneFile("finetune-scientific-2h-256.yaml");
    FineTuneOptions o = c.bind(FineTuneOptions.defaults());
    FineTuneOptions at128 =
        finetuneFile("finetune-scientific-2h.yaml").bind(FineTuneOptions.defaults());
    assertThat(o.epochsOfStage(false)).isEqualTo(3);
    assertThat(o.patienceStage1()).isEqualTo(o.epochs());
    assertThat(o.maxTokens()).isEqualTo(256);
    assertThat(
            o.toBuilder()
                .epochs(at128.epochs())
                .patienceStage1(at128.patienceStage1())
                .maxTokens(at128.maxTokens())
                .build())
        .isEqualTo(at128);
    assertThat(c.bind(MINILM).maxTokens()).isEqualTo(256);
  }

  @Test
  void twoHourScientificConfigWithClsPoolingResolves() throws Exception {
    // The 128-token recipe with the paper's [CLS] pooling instead of the mean, nothing else.
    ResolvedConfig c = finetuneFile("finetune-scientific-2h-cls.yaml");
    FineTuneOptions o = c.bind(FineTuneOptions.defaults());
    FineTuneOptions mean =
        finetuneFile("finetune-scientific-2h.yaml").bind(FineTuneOptions.defaults());
    assertThat(o.pooling()).isEqualTo(Pooling.CLS);
    assertThat(o.toBuilder().pooling(mean.pooling()).build()).isEqualTo(mean);
    assertThat(c.bind(MINILM).pooling()).isEqualTo(Pooling.CLS);
    assertThat(c.bind(MINILM).maxTokens()).isEqualTo(128);
  }

  @Test
  void historyMarginConfigIsTheClsRecipeWithHardHistoryNegativesAndFourEpochs() throws Exception {
    ResolvedConfig c = finetuneFile("finetune-scientific-2h-history-margin.yaml");
    FineTuneOptions o = c.bind(FineTuneOptions.defaults());
    FineTuneOptions cls = finetuneOptions(CLS_RECIPE);
    assertThat(o.historyNegativeMargin()).isCloseTo(0.1, within(1e-12));
    assertThat(o.historyPolicy()).isEqualTo(HistoryPolicy.KEEP);
    assertThat(
            o.toBuilder()
                .historyNegativeMargin(0)
                .epochs(6)
                .patienceStage1(6)
                .stage1Minutes(110)
                .stage2Minutes(10)
                .build())
        .isEqualTo(cls);
    assertThat(c.bind(MINILM).pooling()).isEqualTo(Pooling.CLS);
  }

  @Test
  void sharpConfigIsTheClsRecipeWithALowerTemperatureAndFiveEpochs() throws Exception {
    ResolvedConfig c = finetuneFile("finetune-scientific-2h-sharp.yaml");
    ResolvedConfig clsFile = finetuneFile(CLS_RECIPE);
    assertThat(
            finetuneOptions("finetune-scientific-2h-sharp.yaml").toBuilder()
                .epochs(6)
                .patienceStage1(6)
                .stage1Minutes(110)
                .stage2Minutes(10)
                .build())
        .isEqualTo(finetuneOptions(CLS_RECIPE));
    assertThat(c.bind(MINILM).temperature()).isCloseTo(0.02, within(1e-12));
    assertThat(clsFile.bind(MINILM).temperature()).isCloseTo(MINILM.temperature(), within(1e-12));
    assertThat(c.bind(MINILM).toBuilder().temperature(MINILM.temperature()).build())
        .isEqualTo(clsFile.bind(MINILM));
  }

  @Test
  void stage2ConfigIsTheClsRecipeWithTwoStage1EpochsAndALongerStage2() throws Exception {
    FineTuneOptions o = finetuneOptions("finetune-scientific-2h-stage2.yaml");
    assertThat(o.epochsOfStage(false)).isEqualTo(2);
    assertThat(o.epochsOfStage(true)).isEqualTo(4);
    assertThat(o.learningRateOfStage(true)).isCloseTo(2e-5, within(1e-18));
    assertThat(o.learningRateOfStage(false)).isCloseTo(5e-5, within(1e-18));
    assertIsClsRecipeBut(
        "finetune-scientific-2h-stage2.yaml",
        b ->
            b.epochs(6)
                .stage2Epochs(1)
                .stage2LearningRate(1e-5)
                .patienceStage1(6)
                .patienceStage2(1)
                .stage1Minutes(110)
                .stage2Minutes(10));
  }

  @Test
  void fullValidationConfigIsTheClsRecipeOnEveryUserWithGroupedBatches() throws Exception {
    FineTuneOptions o = finetuneOptions("finetune-scientific-2h-cls-fullval.yaml");
    assertThat(o.validationUsers()).isZero();
    assertThat(o.epochsOfStage(false)).isEqualTo(6);
    assertThat(o.lengthGroupBatches()).isEqualTo(32);
    assertIsClsRecipeBut(
        "finetune-scientific-2h-cls-fullval.yaml",
        b -> b.validationUsers(1000).lengthGroupBatches(0));
  }

  @Test
  void doubledRateConfigIsTheFullValidationRecipeWithBothPeakRatesDoubled() throws Exception {
    FineTuneOptions o = finetuneOptions("finetune-scientific-2h-cls-lr1e4.yaml");
    assertThat(o.learningRate()).isCloseTo(1e-4, within(1e-18));
    assertThat(o.stage2LearningRate()).isCloseTo(2e-5, within(1e-18));
    assertThat(o.evalBatchSize()).isEqualTo(16);
    assertIsRecipeBut(
        "finetune-scientific-2h-cls-fullval.yaml",
        "finetune-scientific-2h-cls-lr1e4.yaml",
        b ->
            b.learningRate(5e-5)
                .stage2LearningRate(1e-5)
                .evalBatchSize(FineTuneOptions.defaults().evalBatchSize()));
  }

  @Test
  void refreshConfigIsTheFullValidationRecipeReencodingThreeTimesPerEpoch() throws Exception {
    FineTuneOptions o = finetuneOptions("finetune-scientific-2h-cls-refresh.yaml");
    assertThat(o.matrixRefreshSteps()).isEqualTo(88);
    assertThat(o.evalBatchSize()).isEqualTo(16);
    assertIsRecipeBut(
        "finetune-scientific-2h-cls-fullval.yaml",
        "finetune-scientific-2h-cls-refresh.yaml",
        b -> b.matrixRefreshSteps(0).evalBatchSize(FineTuneOptions.defaults().evalBatchSize()));
  }

  @Test
  void noDropoutConfigIsTheFullValidationRecipeWithoutDropout() throws Exception {
    String name = "finetune-scientific-2h-cls-nodropout.yaml";
    assertThat(finetuneOptions(name).evalBatchSize()).isEqualTo(16);
    RecformerConfig model = finetuneFile(name).bind(MINILM);
    assertThat(model.hiddenDropout()).isZero();
    assertThat(model.attentionDropout()).isZero();
    assertIsRecipeBut(
        "finetune-scientific-2h-cls-fullval.yaml",
        name,
        b -> b.evalBatchSize(FineTuneOptions.defaults().evalBatchSize()),
        m -> m.hiddenDropout(MINILM.hiddenDropout()).attentionDropout(MINILM.attentionDropout()));
  }

  @Test
  void penaltyConfigIsTheNoDropoutRecipeWithAHistoryPenalty() throws Exception {
    String name = "finetune-scientific-2h-cls-penalty.yaml";
    assertThat(finetuneOptions(name).historyPenalty()).isEqualTo(0.15);
    assertThat(finetuneOptions(name).historyPolicy()).isEqualTo(HistoryPolicy.KEEP);
    assertIsRecipeBut("finetune-scientific-2h-cls-nodropout.yaml", name, b -> b.historyPenalty(0));
  }

  @Test
  void trainableMatrixConfigContinuesTheNoDropoutRecipeWithStageTwosRate() throws Exception {
    String name = "finetune-scientific-trainable-matrix.yaml";
    FineTuneOptions o = finetuneOptions(name);
    FineTuneOptions recipe = finetuneOptions("finetune-scientific-2h-cls-nodropout.yaml");
    assertThat(o.variant()).isEqualTo(Variant.TRAINABLE_MATRIX);
    assertThat(o.learningRate()).isEqualTo(recipe.stage2LearningRate());
    assertThat(o.matrixLearningRate()).isEqualTo(1e-4);
    assertThat(o.epochs()).isEqualTo(2);
    assertThat(o.zeroShotTest()).isFalse();
    assertThat(o.historyPolicy()).isEqualTo(HistoryPolicy.KEEP);
    assertThat(o.historyPenalty()).isZero();
    assertThat(finetuneFile(name).bind(MINILM))
        .isEqualTo(finetuneFile("finetune-scientific-2h-cls-nodropout.yaml").bind(MINILM));
  }

  @Test
  void stageTwoMatrixConfigIsTheNoDropoutRecipeWithATrainableStageTwoMatrix() throws Exception {
    String name = "finetune-scientific-2h-stage2-matrix.yaml";
    assertThat(finetuneOptions(name).stage2TrainsMatrix()).isTrue();
    assertThat(finetuneOptions(name).matrixLearningRate()).isEqualTo(1e-4);
    assertIsRecipeBut(
        "finetune-scientific-2h-cls-nodropout.yaml",
        name,
        b ->
            b.stage2TrainsMatrix(false)
                .matrixLearningRate(0)
                .epochs(6)
                .stage2Epochs(1)
                .patienceStage1(6)
                .patienceStage2(1)
                .stage1Minutes(110)
                .stage2Minutes(10));
  }

  /**
   * The file's options, with {@code undo} applied, are the [CLS] recipe's, and its model settings
   * are the recipe's unchanged.
   */
  private static void assertIsClsRecipeBut(String name, UnaryOperator<FineTuneOptions.Builder> undo)
      throws IOException {
    assertIsRecipeBut(CLS_RECIPE, name, undo);
  }

  /** As {@link #assertIsClsRecipeBut} against another recipe file. */
  private static void assertIsRecipeBut(
      String recipe, String name, UnaryOperator<FineTuneOptions.Builder> undo) throws IOException {
    assertIsRecipeBut(recipe, name, undo, UnaryOperator.identity());
  }

  /** As above, with {@code undoModel} applied to the file's model settings too. */
  private static void assertIsRecipeBut(
      String recipe,
      String name,
      UnaryOperator<FineTuneOptions.Builder> undo,
      UnaryOperator<RecformerConfig.Builder> undoModel)
      throws IOException {
    assertThat(undo.apply(finetuneOptions(name).toBuilder()).build())
        .isEqualTo(finetuneOptions(recipe));
    assertThat(undoModel.apply(finetuneFile(name).bind(MINILM).toBuilder()).build())
        .isEqualTo(finetuneFile(recipe).bind(MINILM));
  }

  @Test
  void officeTableConfigsResolve() throws Exception {
    // The Office quality-table runs: pre-train on Scientific (mirror of the Office run), then
    // fine-tune on Office from it with the Scientific settings and a smaller budget.
    ResolvedConfig pre = pretrainFile("pretrain-scientific.yaml");
    ResolvedConfig office = pretrainFile("pretrain-office.yaml");
    assertThat(pre.bind(PretrainOptions.defaults()))
        .isEqualTo(office.bind(PretrainOptions.defaults()));
    assertThat(pre.getInt("heldOutUsers")).isEqualTo(500);
    assertThat(pre.bind(MINILM).maxTokens()).isEqualTo(256);

    ResolvedConfig c = finetuneFile("finetune-office.yaml");
    FineTuneOptions o = c.bind(FineTuneOptions.defaults());
    assertThat(o.maxTokens()).isEqualTo(128);
    assertThat(o.learningRate()).isCloseTo(5e-5, within(1e-18));
    assertThat(o.samplesPerEpoch()).isEqualTo(4000);
    assertThat(o.stage1Minutes()).isEqualTo(25.0);
    assertThat(o.stage2Minutes()).isEqualTo(8.0);
    assertThat(o.zeroShotTest()).isFalse();
    assertThat(o.variant()).isEqualTo(Variant.BOTH_STAGES);
    assertThat(c.bind(MINILM))
        .isEqualTo(MINILM.toBuilder().maxTokens(128).pooling(Pooling.MEAN).build());
  }

  @Test
  void evaluateAndExportAcceptAFinetuneFileAndIgnoreTheTrainingKeys() throws Exception {
    ConfigLayer file = ConfigLayer.file(CONFIG.resolve("finetune-scientific.yaml"));
    ResolvedConfig e =
        ResolvedConfig.resolve(Schemas.evaluate(MINILM, "init minilm"), List.of(file));
    assertThat(e.getInt("maxTokens")).isEqualTo(256);
    assertThat(e.ignored())
        .anyMatch(s -> s.startsWith("epochs ("))
        .noneMatch(s -> s.startsWith("tiePolicy"));
    ResolvedConfig x = ResolvedConfig.resolve(Schemas.export(MINILM, "init minilm"), List.of(file));
    assertThat(x.get("pooling")).isEqualTo(Pooling.MEAN);
  }
}
