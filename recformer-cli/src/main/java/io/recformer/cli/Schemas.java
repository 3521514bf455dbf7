package io.recformer.cli;

import io.recformer.cli.config.ConfigSchema;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.TiePolicy;
import io.recformer.train.finetune.FineTuneOptions;
import io.recformer.train.pretrain.PretrainOptions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The configuration keys of each command. Option keys are the fields of {@link FineTuneOptions} /
 * {@link PretrainOptions}; model keys are the {@link RecformerConfig} fields that can change
 * without changing a weight's shape, with the starting model's values as defaults.
 */
final class Schemas {

  /** RecformerConfig fields a config file may set; the rest follow from the weights. */
  static final List<String> MODEL_KEYS =
      List.of(
          "maxTokens",
          "pooling",
          "maxItems",
          "maxAttributes",
          "maxAttributeTokens",
          "attentionWindow",
          "hiddenDropout",
          "attentionDropout",
          "temperature",
          "mlmWeight");

  static final String DEFAULT = "default";

  private Schemas() {}

  static ConfigSchema finetune(RecformerConfig model, String modelOrigin) {
    return finetuneBuilder(model, modelOrigin).build();
  }

  private static ConfigSchema.Builder finetuneBuilder(RecformerConfig model, String modelOrigin) {
    List<String> more = new ArrayList<>(MODEL_KEYS);
    more.removeAll(List.of("maxTokens", "pooling"));
    return ConfigSchema.builder("finetune")
        .record(FineTuneOptions.defaults(), DEFAULT)
        // The options' 0 / null mean "the model's"; the resolved configuration shows the value.
        .defaultValue("maxTokens", model.maxTokens(), modelOrigin)
        .defaultValue("pooling", model.pooling(), modelOrigin)
        .record(model, modelOrigin, more);
  }

  static ConfigSchema pretrain(RecformerConfig model, String modelOrigin) {
    return pretrainBuilder(model, modelOrigin).build();
  }

  private static ConfigSchema.Builder pretrainBuilder(RecformerConfig model, String modelOrigin) {
    return ConfigSchema.builder("pretrain")
        .record(PretrainOptions.defaults(), DEFAULT)
        .key("heldOutUsers", int.class, 0, DEFAULT)
        .record(model, modelOrigin, MODEL_KEYS);
  }

  static ConfigSchema evaluate(RecformerConfig model, String modelOrigin) {
    return evaluateBuilder(model, modelOrigin).tolerate(trainingKeys()).build();
  }

  private static ConfigSchema.Builder evaluateBuilder(RecformerConfig model, String modelOrigin) {
    FineTuneOptions d = FineTuneOptions.defaults();
    return ConfigSchema.builder("evaluate")
        .key("tiePolicy", TiePolicy.class, d.tiePolicy(), DEFAULT)
        .key("historyPolicy", HistoryPolicy.class, d.historyPolicy(), DEFAULT)
        .key("historyPenalty", double.class, d.historyPenalty(), DEFAULT)
        .key("users", int.class, 0, DEFAULT)
        .key("seed", long.class, d.seed(), DEFAULT)
        .key("evalBatchSize", int.class, d.evalBatchSize(), DEFAULT)
        .key("device", String.class, d.device(), DEFAULT)
        .record(model, modelOrigin, MODEL_KEYS);
  }

  static ConfigSchema export(RecformerConfig model, String modelOrigin) {
    Set<String> others = trainingKeys();
    others.addAll(evaluateBuilder(model, modelOrigin).build().names());
    return ConfigSchema.builder("export")
        .record(model, modelOrigin, MODEL_KEYS)
        .tolerate(others)
        .build();
  }

  /** Keys of the training commands, tolerated by evaluate and export. */
  private static Set<String> trainingKeys() {
    RecformerConfig any = RecformerConfig.miniLmL6();
    Set<String> keys = new LinkedHashSet<>(finetuneBuilder(any, DEFAULT).build().names());
    keys.addAll(pretrainBuilder(any, DEFAULT).build().names());
    return keys;
  }
}
