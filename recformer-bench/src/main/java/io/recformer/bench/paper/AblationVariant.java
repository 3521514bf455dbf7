package io.recformer.bench.paper;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rows of the ablation table and the fine-tuning settings each one runs with. The paper's five
 * names are read as Algorithm 1's stages (the reading of {@code Variant}'s javadoc and
 * docs/training.md): "training stage" = stage 1 (matrix re-encoded each epoch, fixed within it),
 * "fine-tuning stage" = stage 2 (matrix frozen, encoder trained). The trainable stage-2 matrix is
 * not one of the paper's variants and gets its own row.
 */
public enum AblationVariant {
  ORIGINAL("Original", "BOTH_STAGES", Map.of(), true),
  FIX("Fix", "FIXED_MATRIX", Map.of(), true),
  VARIABLE("Variable", "TRAINABLE_MATRIX", Map.of(), true),
  TRAINING_ONLY("Training-only", "STAGE1_ONLY", Map.of(), true),
  FINE_TUNING_ONLY("Fine-tuning-only", "STAGE2_ONLY", Map.of(), true),
  STAGE2_TRAINABLE_MATRIX(
      "Stage-2 trainable matrix (not the paper's)",
      "BOTH_STAGES",
      Map.of("stage2TrainsMatrix", "true"),
      false);

  private final String label;
  private final String variant;

  @SuppressWarnings("ImmutableEnumChecker") // always a Map.of, which is immutable
  private final Map<String, String> extra;

  private final boolean paper;

  AblationVariant(String label, String variant, Map<String, String> extra, boolean paper) {
    this.label = label;
    this.variant = variant;
    this.extra = extra;
    this.paper = paper;
  }

  /** The table's row name. */
  public String label() {
    return label;
  }

  /** The {@code variant} setting of {@code recformer finetune}. */
  public String variant() {
    return variant;
  }

  /** Further {@code --set} settings of this row (the non-paper option). */
  public Map<String, String> extraSettings() {
    return extra;
  }

  public boolean isPaper() {
    return paper;
  }

  /** The id used in cell ids: {@code fine-tuning-only}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses a row name, its key or the enum name, case-insensitively. */
  public static AblationVariant parse(String text) {
    List<String> names = new ArrayList<>();
    for (AblationVariant v : values()) {
      if (v.label.equalsIgnoreCase(text)
          || v.key().equalsIgnoreCase(text)
          || v.name().equalsIgnoreCase(text)) {
        return v;
      }
      names.add(v.key());
    }
    throw new IllegalArgumentException(
        "ablation variant '" + text + "' is not one of " + String.join(", ", names));
  }
}
