package io.recformer.data.filter;

import io.recformer.core.item.AttributeLayout;
import io.recformer.data.dataset.Dataset;
import java.util.Objects;

/**
 * A filter configuration applied in a fixed order: duplicates, chronological sort (when the dataset
 * has timestamps), k-core together with the minimum interactions per user (one joint fixpoint, so
 * both hold at the end), attribute selection, then unused items are dropped. Each step is recorded
 * in the dataset's provenance.
 *
 * @param duplicatePolicy repeated (user, item) pairs; {@code KEEP_ALL} as in the original
 * @param tieBreak order of equal timestamps; {@code INPUT_ORDER} keeps file order
 * @param kCore iterative k-core threshold; 0 disables it. The Amazon 5-core files are already
 *     5-core; typical 5
 * @param minUserInteractions users with fewer interactions are removed (>= 1). The original
 *     Recformer keeps users with at least 4; leave-one-out needs 3
 * @param layout attributes to keep and their order, or null to keep all; typical {@link
 *     AttributeLayout#PAPER}
 */
public record FilterPipeline(
    DuplicatePolicy duplicatePolicy,
    TieBreak tieBreak,
    int kCore,
    int minUserInteractions,
    AttributeLayout layout) {

  public FilterPipeline {
    Objects.requireNonNull(duplicatePolicy, "duplicatePolicy");
    Objects.requireNonNull(tieBreak, "tieBreak");
    if (kCore < 0) {
      throw new IllegalArgumentException("kCore must be >= 0 (0 disables it), got " + kCore);
    }
    if (minUserInteractions < 1) {
      throw new IllegalArgumentException(
          "minUserInteractions must be >= 1, got " + minUserInteractions);
    }
  }

  /**
   * The original Recformer's preprocessing (reference section 7): all duplicates kept, sorted by
   * time (ties in file order), users with at least 4 interactions, title/brand/category.
   */
  public static FilterPipeline recformer() {
    return new FilterPipeline(
        DuplicatePolicy.KEEP_ALL, TieBreak.INPUT_ORDER, 0, 4, AttributeLayout.PAPER);
  }

  /** Applies the steps in order; the input is unchanged. */
  public Dataset apply(Dataset dataset) {
    Dataset result = dataset;
    if (duplicatePolicy != DuplicatePolicy.KEEP_ALL) {
      result = DatasetFilters.deduplicate(result, duplicatePolicy);
    }
    if (result.hasTimestamps()) {
      result = DatasetFilters.sortChronologically(result, tieBreak);
    }
    if (kCore > 0) {
      // One joint fixpoint, so both the user minimum and the item core hold at the end.
      result = DatasetFilters.kCore(result, Math.max(kCore, minUserInteractions), kCore);
    } else if (minUserInteractions > 1) {
      result = DatasetFilters.minUserInteractions(result, minUserInteractions);
    }
    if (layout != null) {
      result = DatasetFilters.selectAttributes(result, layout);
    }
    return DatasetFilters.dropUnusedItems(result);
  }
}
