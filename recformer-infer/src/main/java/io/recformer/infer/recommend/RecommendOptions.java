package io.recformer.infer.recommend;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * How a recommendation list is cut.
 *
 * @param excludeHistory leave the user's own history items out of the list (the usual choice when
 *     serving; the paper's evaluation protocol keeps them, see {@code HistoryPolicy})
 * @param filter items must pass this predicate on their id to be recommended (for example
 *     "in stock"); called from scan threads, so it must be thread-safe
 */
public record RecommendOptions(boolean excludeHistory, Predicate<String> filter) {

  /** History excluded, no filter. */
  public static final RecommendOptions DEFAULTS = new RecommendOptions(true, id -> true);

  public RecommendOptions {
    Objects.requireNonNull(filter, "filter");
  }

  public RecommendOptions withExcludeHistory(boolean exclude) {
    return new RecommendOptions(exclude, filter);
  }

  public RecommendOptions withFilter(Predicate<String> itemFilter) {
    return new RecommendOptions(excludeHistory, itemFilter);
  }
}
