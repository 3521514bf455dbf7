package io.recformer.infer.recommend;

import io.recformer.core.item.Item;
import io.recformer.infer.catalog.CatalogView;
import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.QueryOptions;
import io.recformer.infer.index.ScoredItem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Ranks a batch of users in one scan of the index. Users differ in the history items to leave out
 * or penalize, so the scan asks for the most candidates any user needs ({@link
 * HistoryRanking#candidates}) without exclusions and each user's list is cut from them ({@link
 * HistoryRanking#cut}).
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
    List<Set<String>> historyIds = new ArrayList<>(histories.size());
    int wanted = k;
    for (List<Item> history : histories) {
      Set<String> ids = new HashSet<>();
      history.forEach(item -> ids.add(item.id()));
      historyIds.add(ids);
      wanted = Math.max(wanted, HistoryRanking.candidates(k, ids.size(), options));
    }
    ItemIndex index = view.index();
    List<List<ScoredItem>> candidates =
        index.topK(users, wanted, query.withIdFilter(options.filter()));
    List<List<Recommendation>> out = new ArrayList<>(users.length);
    for (int u = 0; u < users.length; u++) {
      List<ScoredItem> top = HistoryRanking.cut(candidates.get(u), historyIds.get(u), k, options);
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
}
