package io.recformer.infer.recommend;

import io.recformer.infer.index.ScoredItem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a user's recommendation list is cut from the plain top candidates of an index scan: history
 * items left out or penalized ({@link RecommendOptions}). The one implementation behind {@link
 * Recommender} and any other scorer that must return the same lists (the Spark batch job scores
 * item blocks on many machines, merges the candidates with {@link #BEST_FIRST} and cuts them here).
 *
 * <p>Leaving out or lowering history items only moves them down, so a user's top {@code k} lies
 * within the plain top {@code k + h} candidates (h = the user's distinct history items): an item
 * outside it has at least k items above it that are not that user's history items.
 */
public final class HistoryRanking {

  /**
   * The index's order: higher score first, an equal score broken by the lower row (so ties go to
   * the item the catalog lists first); -0.0 ties with 0.0.
   */
  public static final Comparator<ScoredItem> BEST_FIRST =
      (a, b) -> {
        if (a.score() > b.score()) {
          return -1;
        }
        if (a.score() < b.score()) {
          return 1;
        }
        return Integer.compare(a.row(), b.row());
      };

  private HistoryRanking() {}

  /**
   * How many plain top candidates a user with {@code distinctHistoryItems} distinct history items
   * needs for {@link #cut} to return their exact top {@code k}.
   */
  public static int candidates(int k, int distinctHistoryItems, RecommendOptions options) {
    Objects.requireNonNull(options, "options");
    boolean adjust = options.excludeHistory() || options.historyPenalty() > 0;
    return adjust ? k + distinctHistoryItems : k;
  }

  /**
   * The user's top {@code k} from {@code candidates}, a plain top list in {@link #BEST_FIRST} order
   * holding at least {@link #candidates} entries (or every eligible item): history items left out
   * when the options exclude history, otherwise their scores lowered by the history penalty and the
   * list re-sorted (stably, so equal scores keep the index's order). The options' id filter is not
   * applied here: the scan applies it.
   */
  public static List<ScoredItem> cut(
      List<ScoredItem> candidates, Set<String> history, int k, RecommendOptions options) {
    Objects.requireNonNull(candidates, "candidates");
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(options, "options");
    if (options.excludeHistory()) {
      List<ScoredItem> kept = new ArrayList<>(k);
      for (ScoredItem s : candidates) {
        if (kept.size() == k) {
          break;
        }
        if (!history.contains(s.itemId())) {
          kept.add(s);
        }
      }
      return kept;
    }
    if (options.historyPenalty() == 0) {
      return candidates.subList(0, Math.min(k, candidates.size()));
    }
    List<ScoredItem> penalized = new ArrayList<>(candidates.size());
    for (ScoredItem s : candidates) {
      penalized.add(
          history.contains(s.itemId())
              ? new ScoredItem(s.itemId(), s.row(), (float) (s.score() - options.historyPenalty()))
              : s);
    }
    // Stable: equal scores keep the index's order.
    penalized.sort(Comparator.comparingDouble((ScoredItem s) -> s.score()).reversed());
    return penalized.subList(0, Math.min(k, penalized.size()));
  }
}
