package io.recformer.infer.recommend;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.catalog.Catalog;
import io.recformer.infer.catalog.CatalogView;
import io.recformer.infer.catalog.ItemStore;
import io.recformer.infer.catalog.TextFingerprint;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.ItemIndex.OnExisting;
import io.recformer.infer.index.OpenOptions;
import io.recformer.infer.index.QueryOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "What should these users see next?": encodes histories with a {@link RecformerEncoder} and ranks
 * a {@link Catalog}'s items by cosine similarity in its {@link ItemIndex} (any implementation).
 *
 * <p>Items are known by their text, so items never seen in training (cold start) are served like
 * any other: {@link #addItems} embeds them and adds them without re-encoding the catalog, and a
 * history may hold items given only by their text ({@link #recommendForItems}). With a catalog
 * directory ({@link #create(RecformerEncoder, ItemCatalog, Path, RecommenderOptions)}, {@link
 * #open(RecformerEncoder, Path, RecommenderOptions)}) additions are durable when {@code addItems}
 * returns and the item text stays on disk.
 *
 * <p>Thread-safe: recommendations run concurrently with each other and with {@code addItems}; each
 * request reads one consistent view, so every returned item is complete. {@link #recommendAll}
 * encodes a batch of users in one encoder call and ranks them in one scan. Threads are bounded
 * ({@link RecommenderOptions}). The recommender does not own the encoder (the caller opens and
 * closes it); it owns its scan pool, its background verification and, when it opened it, the
 * catalog, all released by {@link #close()}.
 *
 * <p>Over 400 lines because it is the entry point services use: its factories (in memory, from a
 * catalog directory, from an index file) sit beside the single, batched and by-item queries and the
 * cold-start additions they serve.
 */
public final class Recommender implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Recommender.class);

  private final RecformerEncoder encoder;
  private final Catalog catalog;
  private final boolean ownsCatalog;
  private final ExecutorService ownedPool;
  private final QueryOptions query;
  private final HealthMonitor health;
  private volatile boolean closed;

  Recommender(
      RecformerEncoder encoder,
      Catalog catalog,
      boolean ownsCatalog,
      RecommenderOptions options,
      HealthMonitor health) {
    this.encoder = encoder;
    this.catalog = catalog;
    this.ownsCatalog = ownsCatalog;
    this.health = health;
    if (options.scanExecutor() != null) {
      this.ownedPool = null;
      this.query =
          QueryOptions.DEFAULTS
              .withThreads(options.scanThreads())
              .withExecutor(options.scanExecutor());
    } else {
      AtomicInteger counter = new AtomicInteger();
      this.ownedPool =
          Executors.newFixedThreadPool(
              options.scanPoolThreads(),
              runnable -> {
                Thread t = new Thread(runnable, "recformer-scan-" + counter.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      this.query = QueryOptions.DEFAULTS.withThreads(options.scanThreads()).withExecutor(ownedPool);
    }
  }

  /**
   * Embeds every catalog item and builds an exact index over them, in memory: additions are lost on
   * exit (use {@link #create(RecformerEncoder, ItemCatalog, Path, RecommenderOptions)} to keep
   * them).
   *
   * @throws IllegalArgumentException if an item has no text
   */
  public static Recommender build(RecformerEncoder encoder, ItemCatalog catalog) {
    return build(encoder, catalog, RecommenderOptions.defaults());
  }

  /** As {@link #build(RecformerEncoder, ItemCatalog)} with options. */
  public static Recommender build(
      RecformerEncoder encoder, ItemCatalog catalog, RecommenderOptions options) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(options, "options");
    ItemIndex index = Opening.embed(encoder, catalog);
    return new Recommender(
        encoder,
        Catalog.inMemory(ItemStore.of(catalog), index),
        true,
        options,
        HealthMonitor.healthy("in-memory index", "built in memory", options.healthListener()));
  }

  /**
   * A recommender over a catalog the caller opened (any index implementation); the caller closes
   * the catalog after this recommender. Nothing is verified here: the catalog's opener chose.
   */
  public static Recommender of(
      RecformerEncoder encoder, Catalog catalog, RecommenderOptions options) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(options, "options");
    Opening.requireModel(encoder, catalog.index());
    return new Recommender(
        encoder,
        catalog,
        false,
        options,
        HealthMonitor.healthy("catalog", "opened by the caller", options.healthListener()));
  }

  /**
   * A recommender over {@code index} (any implementation, e.g. an {@link
   * io.recformer.infer.index.HnswItemIndex} for a large catalog) with the text of {@code catalog},
   * held in memory: additions are not saved. The index must come from the encoder's model and every
   * id it holds must be in the catalog.
   */
  public static Recommender of(
      RecformerEncoder encoder, ItemCatalog catalog, ItemIndex index, RecommenderOptions options) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(index, "index");
    Objects.requireNonNull(options, "options");
    Opening.requireModel(encoder, index);
    ItemStore items = ItemStore.of(catalog);
    for (int row = 0; row < index.size(); row++) {
      String id = index.itemId(row);
      if (items.item(id).isEmpty()) {
        throw new IllegalArgumentException(
            "index row " + row + " holds item '" + id + "', which the catalog does not have");
      }
    }
    return new Recommender(
        encoder,
        Catalog.inMemory(items, index),
        true,
        options,
        HealthMonitor.healthy("in-memory index", "given by the caller", options.healthListener()));
  }

  /**
   * Embeds {@code catalog}, writes it as a new catalog directory {@code dir} (index, item file,
   * empty delta log) and serves from it; {@link #open(RecformerEncoder, Path, RecommenderOptions)}
   * reopens it after a restart, with every acknowledged addition.
   */
  public static Recommender create(
      RecformerEncoder encoder, ItemCatalog catalog, Path dir, RecommenderOptions options)
      throws IOException {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(options, "options");
    ItemIndex index = Opening.embed(encoder, catalog);
    Catalog created = Catalog.create(dir, ItemStore.of(catalog), index);
    return new Recommender(
        encoder,
        created,
        true,
        options,
        HealthMonitor.healthy("catalog " + dir, "written by this process", null));
  }

  /**
   * Opens a catalog directory written by {@link #create(RecformerEncoder, ItemCatalog, Path,
   * RecommenderOptions)}: the index is memory-mapped (or read into the heap), the item text read on
   * demand, the delta log replayed. The index must come from the encoder's model.
   *
   * @throws IOException naming the file and the problem when the directory is not a catalog, a file
   *     is damaged or the index comes from another model
   */
  public static Recommender open(RecformerEncoder encoder, Path dir, RecommenderOptions options)
      throws IOException {
    return open(encoder, dir, null, options);
  }

  /**
   * As {@link #open(RecformerEncoder, Path, RecommenderOptions)}, then brings the directory in line
   * with {@code current}: its items that the directory lacks are added and items whose text changed
   * are re-encoded ({@link RecommenderOptions.ChangedText#REENCODE}, durably) or refused ({@link
   * RecommenderOptions.ChangedText#FAIL}). Items of the directory missing from {@code current}
   * stay.
   */
  public static Recommender open(
      RecformerEncoder encoder, Path dir, ItemCatalog current, RecommenderOptions options)
      throws IOException {
    return Opening.directory(encoder, dir, current, options);
  }

  /**
   * Opens a saved index file for this catalog (held in memory) with {@link
   * RecommenderOptions#defaults()}: a fast open, verified in the background.
   *
   * @throws IOException if the index file is unreadable, corrupted or from another model
   * @throws IllegalArgumentException if the index and the catalog hold different items
   */
  public static Recommender open(RecformerEncoder encoder, ItemCatalog catalog, Path indexFile)
      throws IOException {
    return open(encoder, catalog, indexFile, RecommenderOptions.defaults());
  }

  /**
   * As {@link #open(RecformerEncoder, ItemCatalog, Path)} with the verification and the placement
   * of the vectors taken from {@code options}; the expected fingerprint is always the encoder's.
   */
  public static Recommender open(
      RecformerEncoder encoder, ItemCatalog catalog, Path indexFile, OpenOptions options)
      throws IOException {
    Objects.requireNonNull(options, "options");
    return open(
        encoder,
        catalog,
        indexFile,
        RecommenderOptions.defaults()
            .withVerify(options.verify())
            .withVectorsInHeap(options.vectorsInHeap()));
  }

  /**
   * Opens a saved index file for this catalog (the text is held in memory; additions are not
   * saved). The index must hold exactly the catalog's ids; items whose text changed since the index
   * was built are re-encoded or refused as {@link RecommenderOptions#onChangedText()} says.
   */
  public static Recommender open(
      RecformerEncoder encoder, ItemCatalog catalog, Path indexFile, RecommenderOptions options)
      throws IOException {
    return Opening.indexFile(encoder, catalog, indexFile, options);
  }

  /**
   * Saves the current index (atomically) for {@link #open(RecformerEncoder, ItemCatalog, Path)}.
   */
  public void saveIndex(Path file) throws IOException {
    ensureOpen();
    catalog.index().save(file);
  }

  /**
   * Compacts a catalog directory into its next generation (see {@link Catalog#checkpoint()}): the
   * items added since the last one move from the heap and the delta log into the mapped base.
   *
   * @throws IllegalStateException for a recommender not backed by a catalog directory
   */
  public void checkpoint() throws IOException {
    ensureOpen();
    catalog.checkpoint();
  }

  /** The catalog served: its current index and items. */
  public Catalog catalog() {
    return catalog;
  }

  /** Whether the data is known to be intact; see {@link Health}. */
  public Health health() {
    return health.health();
  }

  /** Number of items that can be recommended. */
  public int size() {
    return catalog.size();
  }

  /** The item with this id, if the recommender knows it. */
  public Optional<Item> item(String id) {
    return catalog.item(id);
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
    return recommendAll(List.of(historyItemIds), k, options).get(0);
  }

  /**
   * Top-{@code k} lists for many users at once: one encoder batch for all histories and one scan of
   * the index for all users, so a batch costs far less per user than separate calls. Element {@code
   * i} equals {@code recommend(histories.get(i), k, options)}.
   *
   * @throws IllegalArgumentException naming the user (position) whose history is empty or holds an
   *     unknown id, or if k is negative
   */
  public List<List<Recommendation>> recommendAll(
      List<List<String>> histories, int k, RecommendOptions options) {
    Objects.requireNonNull(histories, "histories");
    CatalogView view = view();
    List<List<Item>> resolved = new ArrayList<>(histories.size());
    for (int u = 0; u < histories.size(); u++) {
      List<String> ids = Objects.requireNonNull(histories.get(u), "history");
      List<Item> history = new ArrayList<>(ids.size());
      for (String id : ids) {
        Item item = lookup(view, id);
        if (item == null) {
          throw new IllegalArgumentException(
              "unknown item id '"
                  + id
                  + "' in the history"
                  + (histories.size() > 1 ? " of user " + u : "")
                  + " (the recommender knows "
                  + view.size()
                  + " items; add new items with addItems or pass them as items)");
        }
        history.add(item);
      }
      resolved.add(history);
    }
    return rank(view, resolved, k, options);
  }

  /**
   * Top-{@code k} items for a history given as items (any text, known or not), oldest first. Items
   * whose id the recommender knows are excluded from the list when the options say so.
   */
  public List<Recommendation> recommendForItems(
      List<Item> history, int k, RecommendOptions options) {
    Objects.requireNonNull(history, "history");
    return rank(view(), List.of(List.copyOf(history)), k, options).get(0);
  }

  private List<List<Recommendation>> rank(
      CatalogView view, List<List<Item>> histories, int k, RecommendOptions options) {
    Objects.requireNonNull(options, "options");
    for (int u = 0; u < histories.size(); u++) {
      if (histories.get(u).isEmpty()) {
        throw new IllegalArgumentException(
            "cannot recommend from an empty history"
                + (histories.size() > 1 ? " (user " + u + ")" : "")
                + ": give at least one item");
      }
    }
    if (k < 0) {
      throw new IllegalArgumentException("k = " + k + " must be >= 0");
    }
    if (histories.isEmpty()) {
      return List.of();
    }
    float[][] users = encoder.encodeHistories(histories);
    try {
      return Ranking.rank(view, users, histories, k, options, query);
    } catch (UncheckedIOException e) {
      health.failed(e.getCause());
      throw e;
    }
  }

  private Item lookup(CatalogView view, String id) {
    try {
      return view.item(id).orElse(null);
    } catch (UncheckedIOException e) {
      health.failed(e.getCause());
      throw e;
    }
  }

  private CatalogView view() {
    ensureOpen();
    return catalog.view();
  }

  /**
   * Cold start: embeds new items and makes them recommendable, without re-encoding the catalog.
   * With a catalog directory the items are durable when this returns (delta log, forced to disk).
   *
   * @throws IllegalArgumentException if an id is already known (replacing an item's text is not an
   *     addition) or an item has no text
   * @throws UncheckedIOException if the delta log cannot be written; the items are then not added
   */
  public void addItems(List<Item> newItems) {
    Objects.requireNonNull(newItems, "items");
    if (newItems.isEmpty()) {
      return;
    }
    CatalogView current = view();
    for (Item item : newItems) {
      if (current.index().rowOf(item.id()).isPresent()) {
        throw new IllegalArgumentException(
            "item '" + item.id() + "' is already known to the recommender");
      }
    }
    put(newItems, OnExisting.FAIL);
    LOG.debug("added {} new items ({} in all)", newItems.size(), catalog.size());
  }

  void put(List<Item> items, OnExisting onExisting) {
    if (items.isEmpty()) {
      return;
    }
    float[][] vectors = encoder.embedItems(items);
    try {
      catalog.add(
          items, vectors, TextFingerprint.of(items, Opening.maxAttributes(encoder)), onExisting);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not make " + items.size() + " added items durable in " + catalog, e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("recommender is closed");
    }
  }

  /**
   * Stops the background verification, shuts down the owned scan pool (running scans finish) and
   * closes the catalog if this recommender opened it. Idempotent; later calls fail with {@link
   * IllegalStateException}. The encoder stays open: close it after this.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    health.close();
    if (ownedPool != null) {
      ownedPool.shutdown();
      try {
        if (!ownedPool.awaitTermination(10, TimeUnit.SECONDS)) {
          LOG.warn("scan pool still busy 10 s after close");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (ownsCatalog) {
      catalog.close();
    }
  }
}
