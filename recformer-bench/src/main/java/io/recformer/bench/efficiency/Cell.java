package io.recformer.bench.efficiency;

import io.recformer.core.config.RecformerConfig;
import java.util.List;
import java.util.Locale;

/**
 * One grid cell: a model size, a maximum sequence length and a batch size.
 *
 * @param model preset name ({@code longformer-base}, {@code minilm-l6}, {@code longformer-mini}) or
 *     {@code tiny} (2 x 64, for the quick mode and tests)
 * @param maxTokens maximum tokens per history (the mini study used 1024, 512, 256)
 * @param batch sequences per training step and per ONNX Runtime call
 */
record Cell(String model, int maxTokens, int batch) {

  static final List<String> MODELS =
      List.of("longformer-base", "minilm-l6", "longformer-mini", "tiny");

  Cell {
    if (!MODELS.contains(model)) {
      throw new IllegalArgumentException(
          "model = '" + model + "' is not one of " + String.join(", ", MODELS));
    }
    if (maxTokens < 16 || maxTokens > 4096) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT, "maxTokens = %d is out of range: must be in [16, 4096]", maxTokens));
    }
    if (batch < 1) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "batch = %d is out of range: must be >= 1", batch));
    }
  }

  /**
   * The model config of this cell: the preset with this cell's maximum tokens; the position table
   * grows when the preset's is too short (MiniLM's 512 positions at 1024 tokens), which changes
   * neither the compute nor, measurably, the memory.
   */
  RecformerConfig config() {
    RecformerConfig base =
        switch (model) {
          case "tiny" ->
              RecformerConfig.longformerMini().toBuilder()
                  .hiddenSize(64)
                  .numLayers(2)
                  .numHeads(2)
                  .intermediateSize(128)
                  .build();
          default -> RecformerConfig.preset(model);
        };
    int positions = Math.max(base.maxPositions(), maxTokens + base.positionOffset());
    return base.toBuilder().maxTokens(maxTokens).maxPositions(positions).build();
  }

  /** The base name of this cell's files in {@code cells/}, e.g. {@code minilm-l6-512-16}. */
  String fileName() {
    return String.format(Locale.ROOT, "%s-%d-%d", model, maxTokens, batch);
  }

  /** "layers x hidden", e.g. "12 x 768". */
  String size() {
    RecformerConfig c = config();
    return c.numLayers() + " x " + c.hiddenSize();
  }

  String label() {
    return String.format(Locale.ROOT, "%s/%d tokens/batch %d", model, maxTokens, batch);
  }
}
