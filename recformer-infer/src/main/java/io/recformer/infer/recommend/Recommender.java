package io.recformer.infer.recommend;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.index.ExactItemIndex;
import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.OpenOptions;
import io.recformer.infer.index.QueryOptions;
import io.recformer.infer.index.ScoredItem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "What should this user see next?": encodes a history with a {@link RecformerEncoder} and ranks
 * the catalog by cosine similarity in an {@link ItemIndex}.
 *
 * <p>Items are known by their text, so items that were never seen in training (cold start) are
 * served like any other: {@link #addItems} embeds them and adds them to the index without
 * re-encoding the catalog, and a history may contain items given only by their text ({@link
 * #recommendForItems}).
 *
 * <p>Thread-safe: recommendations may run concurrently with each other and with {@link #addItems},
 * which publishes a new catalog and index atomically. The recommender does not own the encoder: the
 * caller opens and closes it.
 */
public final class Recommender {

  private static final Logger LOG = LoggerFactory.getLogger(Recommender.class);

  private final RecformerEncoder encoder;

  /** Catalog and index published together, so a reader never sees one without the other. */
  private record State(Map<String, Item> items, ItemIndex index) {}

  private volatile State state;

  private Recommender(RecformerEncoder encoder, Map<String, Item> items, ItemIndex index) {
    this.encoder = encoder;
    this.state = new State(items, index);
  }

  /**
   * Embeds every catalog item with the encoder and builds an exact index over them.
   *
   * @throws IllegalArgumentException if an item has no text
   */
  public static Recommender build(RecformerEncoder encoder, ItemCatalog catalog) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(catalog, "catalog");
    long start = System.nanoTime();
    float[][] vectors = encoder.embedItems(catalog.items());
    List<String> ids = catalog.items().stream().map(Item::id).toList();
    ItemIndex index = ExactItemIndex.build(ids, vectors, fingerprint(encoder));
    LOG.info(
        "embedded and indexed {} items in {} ms",
        catalog.size(),
        (System.nanoTime() - start) / 1_000_000);
    return new Recommender(encoder, byId(catalog.items()), index);
  }

  /**
   * Opens a saved index for this catalog. The index must have been built by the same model (its
   * fingerprint is checked) and hold exactly the catalog's items.
   *
   * @throws IOException if the index file is unreadable, corrupted or from another model
   * @throws IllegalArgumentException if the index and the catalog hold different items
   */
  public static Recommender open(RecformerEncoder encoder, ItemCatalog catalog, Path indexFile)
      throws IOException {
    // The vector checksum is skipped so that a large index opens instantly; structure, sizes, ids
    // and the model fingerprint are still checked.
    return open(encoder, catalog, indexFile, OpenOptions.DEFAULTS.withVerify(false));
  }

  /**
   * As {@link #open(RecformerEncoder, ItemCatalog, Path)} with the index opened by {@code options}
   * (e.g. {@link OpenOptions#withVectorsInHeap} for the fastest scans); the expected fingerprint is
   * always the encoder's.
   */
  public static Recommender open(
      RecformerEncoder encoder, ItemCatalog catalog, Path indexFile, OpenOptions options)
      throws IOException {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(options, "options");
    ExactItemIndex index =
        ExactItemIndex.open(indexFile, options.withExpectedFingerprint(fingerprint(encoder)));
    if (index.size() != catalog.size()) {
      throw new IllegalArgumentException(
          "index "
              + indexFile
              + " holds "
              + index.size()
              + " items, the catalog "
              + catalog.size());
    }
    for (Item item : catalog.items()) {
      if (index.rowOf(item.id()).isEmpty()) {
        throw new IllegalArgumentException(
            "catalog item '" + item.id() + "' is not in index " + indexFile);
      }
    }
    return new Recommender(encoder, byId(catalog.items()), index);
  }

  /**
   * The index's fingerprint: the bundle's model hash, so an index from another model is refused.
   */
  static String fingerprint(RecformerEncoder encoder) {
    return encoder
        .manifest()
        .modelSha256()
        .map(hash -> "sha256:" + hash)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "bundle manifest records no model hash, so an item index"
                        + " cannot be tied to this model; re-export the bundle"));
  }

  /** Saves the current index (atomically) for {@link #open}. */
  public void saveIndex(Path file) throws IOException {
    ItemIndex index = state.index();
    if (!(index instanceof ExactItemIndex exact)) {
      throw new IllegalStateException(
          "index of type " + index.getClass().getSimpleName() + " cannot be saved");
    }
    exact.save(file);
  }

  /** Number of items that can be recommended. */
  public int size() {
    return state.index().size();
  }

  /** The item with this id, if the recommender knows it. */
  public Optional<Item> item(String id) {
    return Optional.ofNullable(state.items().get(id));
  }

  /**
   * Top-{@code k} items for a history of known item ids, oldest first, with the user's history left
   * out of the list.
   *
   * @throws IllegalArgumentException if the history is empty, an id is unknown, or k is negative
   */
  public List<Recommendation> recommend(List<String> historyItemIds, int k) {
    return recommend(historyItemIds, k, RecommendOptions.DEFAULTS);
  }

  /** As {@link #recommend(List, int)} with options. */
  public List<Recommendation> recommend(
      List<String> historyItemIds, int k, RecommendOptions options) {
    Objects.requireNonNull(historyItemIds, "history");
    State current = state;
    List<Item> history = new ArrayList<>(historyItemIds.size());
    for (String id : historyItemIds) {
      Item item = current.items().get(id);
      if (item == null) {
        throw new IllegalArgumentException(
            "unknown item id '"
                + id
                + "' in the history (the recommender knows "
                + current.items().size()
                + " items; add new items with addItems or pass them as items)");
      }
      history.add(item);
    }
    return rank(current, history, k, options);
  }

  /**
   * Top-{@code k} items for a history given as items (any text, known or not), oldest first. Items
   * whose id the recommender knows are excluded from the list when the options say so.
   */
  public List<Recommendation> recommendForItems(
      List<Item> history, int k, RecommendOptions options) {
    Objects.requireNonNull(history, "history");
    return rank(state, List.copyOf(history), k, options);
  }

  private List<Recommendation> rank(
      State current, List<Item> history, int k, RecommendOptions options) {
    Objects.requireNonNull(options, "options");
    if (history.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot recommend from an empty history: give at least one item");
    }
    if (k < 0) {
      throw new IllegalArgumentException("k = " + k + " must be >= 0");
    }
    float[] user = encoder.encodeHistory(history);
    Set<String> excluded = new LinkedHashSet<>();
    if (options.excludeHistory()) {
      history.forEach(item -> excluded.add(item.id()));
    }
    QueryOptions query =
        QueryOptions.DEFAULTS.withExcludedIds(excluded).withIdFilter(options.filter());
    List<ScoredItem> top =
        options.excludeHistory() || options.historyPenalty() == 0
            ? current.index().topK(user, k, query)
            : penalizedTopK(current.index(), user, k, query, history, options.historyPenalty());
    List<Recommendation> out = new ArrayList<>(top.size());
    for (ScoredItem scored : top) {
      out.add(new Recommendation(current.items().get(scored.itemId()), scored.score(), out.size()));
    }
    return out;
  }

  /**
   * The top {@code k} after lowering the history items' scores. Lowering only moves history items
   * down, so the answer lies within the plain top {@code k + h} (h = distinct history items): an
   * item outside it has at least k items above it that are not history items and keep their scores.
   */
  private static List<ScoredItem> penalizedTopK(
      ItemIndex index,
      float[] user,
      int k,
      QueryOptions query,
      List<Item> history,
      double penalty) {
    Set<String> historyIds = new HashSet<>();
    history.forEach(item -> historyIds.add(item.id()));
    List<ScoredItem> candidates = new ArrayList<>();
    for (ScoredItem scored : index.topK(user, k + historyIds.size(), query)) {
      candidates.add(
          historyIds.contains(scored.itemId())
              ? new ScoredItem(scored.itemId(), scored.row(), (float) (scored.score() - penalty))
              : scored);
    }
    // Stable: equal scores keep the index's order.
    candidates.sort(Comparator.comparingDouble((ScoredItem s) -> s.score()).reversed());
    return candidates.subList(0, Math.min(k, candidates.size()));
  }

  /**
   * Cold start: embeds new items and makes them recommendable, without re-encoding the catalog.
   *
   * @throws IllegalArgumentException if an id is already known (replacing an item's text is not an
   *     addition) or an item has no text
   */
  public synchronized void addItems(List<Item> newItems) {
    Objects.requireNonNull(newItems, "items");
    if (newItems.isEmpty()) {
      return;
    }
    State current = state;
    for (Item item : newItems) {
      if (current.items().containsKey(item.id())) {
        throw new IllegalArgumentException(
            "item '" + item.id() + "' is already known to the recommender");
      }
    }
    float[][] vectors = encoder.embedItems(newItems);
    List<String> ids = newItems.stream().map(Item::id).toList();
    ItemIndex grown = ((ExactItemIndex) current.index()).withAdded(ids, vectors);
    Map<String, Item> items = new HashMap<>(current.items());
    newItems.forEach(item -> items.put(item.id(), item));
    state = new State(Map.copyOf(items), grown);
    LOG.info("added {} new items ({} in all)", newItems.size(), grown.size());
  }

  private static Map<String, Item> byId(List<Item> items) {
    Map<String, Item> map = new HashMap<>(items.size() * 2);
    items.forEach(item -> map.put(item.id(), item));
    return Map.copyOf(map);
  }
}
