package io.recformer.infer.recommend;

import io.recformer.core.metrics.HistoryPenalty;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * How a recommendation list is cut.
 *
 * @param excludeHistory leave the user's own history items out of the list (the usual choice when
 *     serving; the paper's evaluation protocol keeps them, see {@code HistoryPolicy})
 * @param filter items must pass this predicate on their id to be recommended (for example "in
 *     stock"); called from scan threads, so it must be thread-safe
 * @param historyPenalty with history kept, cosine subtracted from each history item's score before
 *     the list is cut ({@link HistoryPenalty}; 0 = plain cosine): the user's own items stay
 *     recommendable but need a clearly higher score. Use the value a model was fine-tuned or
 *     validated with (its run's {@code historyPenalty})
 */
public record RecommendOptions(
    boolean excludeHistory, Predicate<String> filter, double historyPenalty) {

  /** History excluded, no filter. */
  public static final RecommendOptions DEFAULTS = new RecommendOptions(true, id -> true, 0);

  public RecommendOptions {
    Objects.requireNonNull(filter, "filter");
    HistoryPenalty.requireValid(historyPenalty);
  }

  /** Options without a history penalty. */
  public RecommendOptions(boolean excludeHistory, Predicate<String> filter) {
    this(excludeHistory, filter, 0);
  }

  public RecommendOptions withExcludeHistory(boolean exclude) {
    return new RecommendOptions(exclude, filter, historyPenalty);
  }

  public RecommendOptions withFilter(Predicate<String> itemFilter) {
    return new RecommendOptions(excludeHistory, itemFilter, historyPenalty);
  }

  /** History kept in the list, its items' scores lowered by {@code penalty}. */
  public RecommendOptions withHistoryPenalty(double penalty) {
    return new RecommendOptions(false, filter, penalty);
  }
}
