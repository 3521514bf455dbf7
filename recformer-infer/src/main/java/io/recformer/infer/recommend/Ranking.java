package io.recformer.infer.recommend;

import io.recformer.core.item.Item;
import io.recformer.infer.catalog.CatalogView;
import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.QueryOptions;
import io.recformer.infer.index.ScoredItem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Ranks a batch of users in one scan of the index. Users differ in the history items to leave out
 * or penalize, so the scan asks for {@code k + h} candidates (h = the most distinct history items
 * of any user) without exclusions and each user's list is cut from them: leaving out or lowering
 * history items only moves them down, so a user's top {@code k} lies within the plain top {@code k
 * + h} (an item outside it has at least k items above it that are not that user's history items).
 */
final class Ranking {

  private Ranking() {}

  static List<List<Recommendation>> rank(
      CatalogView view,
      float[][] users,
      List<List<Item>> histories,
      int k,
      RecommendOptions options,
      QueryOptions query) {
    boolean adjust = options.excludeHistory() || options.historyPenalty() > 0;
    List<Set<String>> historyIds = new ArrayList<>(histories.size());
    int extra = 0;
    for (List<Item> history : histories) {
      Set<String> ids = new HashSet<>();
      history.forEach(item -> ids.add(item.id()));
      historyIds.add(ids);
      extra = Math.max(extra, ids.size());
    }
    ItemIndex index = view.index();
    List<List<ScoredItem>> candidates =
        index.topK(users, adjust ? k + extra : k, query.withIdFilter(options.filter()));
    List<List<Recommendation>> out = new ArrayList<>(users.length);
    for (int u = 0; u < users.length; u++) {
      List<ScoredItem> top = cut(candidates.get(u), historyIds.get(u), k, options);
      List<Recommendation> list = new ArrayList<>(top.size());
      for (ScoredItem scored : top) {
        Item item =
            view.item(scored.itemId())
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            "index returned item '" + scored.itemId() + "' without its text"));
        list.add(new Recommendation(item, scored.score(), list.size()));
      }
      out.add(List.copyOf(list));
    }
    return List.copyOf(out);
  }

  private static List<ScoredItem> cut(
      List<ScoredItem> candidates, Set<String> history, int k, RecommendOptions options) {
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
