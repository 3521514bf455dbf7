package io.recformer.infer.catalog;

import io.recformer.core.item.Item;
import io.recformer.infer.index.ExactItemIndex;
import io.recformer.infer.index.HnswItemIndex;
import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.ItemIndex.OnExisting;
import io.recformer.infer.index.ItemIndexes;
import io.recformer.infer.index.OpenOptions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The items a recommender serves and their index, kept together: either in memory ({@link
 * #inMemory}) or in a directory ({@link #create}, {@link #open}) that survives restarts and
 * crashes.
 *
 * <p>A catalog directory holds one generation: a base index ({@code index-G.rfidx}, memory-mapped),
 * the base items' text ({@code items-G.rfitems}, read on demand through an offset table), and a
 * delta log ({@code delta-G.rflog}) of the items {@linkplain #add added} since; {@code
 * catalog.json} names the generation (docs/formats.md, "Catalog directory"). An addition is written
 * to the delta log and forced to disk before {@link #add} returns, so every acknowledged addition
 * survives a crash, and a torn last record (an addition that never returned) is detected by its
 * checksum and dropped on open. {@link #checkpoint} writes the next generation (base = everything,
 * empty delta) and commits it by replacing {@code catalog.json}; a crash before the commit leaves
 * the previous generation, after it the new one, and the files of the other are deleted on the next
 * open. Opening replays the delta log into the mapped base: the base is never copied into the heap.
 *
 * <p>Longer than most classes here on purpose: the commit protocol (open, add, checkpoint, verify,
 * close) and its lock stay in one place, so that the order of writes, forces and publication can be
 * checked by reading one file.
 *
 * <p>Thread-safe. Readers take a {@link CatalogView} (an immutable index with the lookup of its
 * items) and never block; additions and checkpoints are serialized. A directory is opened by one
 * process at a time (a lock file).
 *
 * <p>Over 400 lines because the write order that makes a crash safe (the delta log forced to disk,
 * {@code catalog.json} replaced to commit a generation) and the reopening that relies on it are
 * kept in one place.
 */
public final class Catalog implements ItemStore, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);
  static final String LOCK_FILE = "catalog.lock";

  private final Path dir;
  private final OpenOptions options;
  private final ReentrantLock writer = new ReentrantLock();
  private volatile CatalogView view;
  private CatalogManifest manifest;
  private DeltaLog log;
  private ItemFile previousItems;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private volatile boolean closed;

  private Catalog(
      Path dir,
      OpenOptions options,
      CatalogView view,
      CatalogManifest manifest,
      DeltaLog log,
      FileChannel lockChannel,
      FileLock lock) {
    this.dir = dir;
    this.options = options;
    this.view = view;
    this.manifest = manifest;
    this.log = log;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * A catalog held in memory: additions are not saved anywhere. {@code index} may be any {@link
   * ItemIndex}; every id it holds must be in {@code items}.
   */
  public static Catalog inMemory(ItemStore items, ItemIndex index) {
    Objects.requireNonNull(items, "items");
    Objects.requireNonNull(index, "index");
    return new Catalog(
        null,
        OpenOptions.DEFAULTS,
        CatalogView.of(index, null, 0, items, new ConcurrentHashMap<>()),
        null,
        null,
        null,
        null);
  }

  /**
   * Writes a new catalog directory (generation 1) holding {@code index} and the text of its items
   * from {@code items}, then opens it. The directory must not hold a catalog yet. The manifest's
   * {@code indexKind} records the index's kind ("exact" for {@link ExactItemIndex}, "hnsw" for
   * {@link io.recformer.infer.index.HnswItemIndex}); checkpoints keep it, and {@link #open} opens
   * the index file with that kind's reader.
   *
   * @throws IllegalArgumentException if an index row's id is not in {@code items}
   */
  public static Catalog create(Path dir, ItemStore items, ItemIndex index) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(items, "items");
    Objects.requireNonNull(index, "index");
    Files.createDirectories(dir);
    if (Files.exists(dir.resolve(CatalogManifest.FILE_NAME))) {
      throw new IllegalArgumentException(
          dir + " already holds a catalog (" + CatalogManifest.FILE_NAME + "); open it instead");
    }
    CatalogManifest first =
        CatalogManifest.forGeneration(
            1, index.dimension(), index.fingerprint(), ItemIndexes.Kind.of(index));
    CatalogView source = CatalogView.of(index, null, 0, items, Map.of());
    writeGeneration(dir, first, source);
    first.write(dir);
    return open(
        dir, OpenOptions.DEFAULTS.withVerify(false).withExpectedFingerprint(index.fingerprint()));
  }

  /**
   * Opens a catalog directory: the base index with {@code options} (fingerprint check, full
   * verification, heap or mapped vectors), the base items (offset table only), and the delta log,
   * replayed into the index.
   *
   * @throws CatalogFileException or {@link io.recformer.infer.index.IndexFileException} naming the
   *     file and the problem when a file is missing, truncated, corrupted or inconsistent
   */
  public static Catalog open(Path dir, OpenOptions options) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(options, "options");
    long start = System.nanoTime();
    CatalogManifest manifest = CatalogManifest.read(dir);
    FileChannel lockChannel =
        FileChannel.open(
            dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    List<AutoCloseable> opened = new ArrayList<>();
    opened.add(lockChannel);
    try {
      FileLock lock = tryLock(lockChannel, dir);
      Generations.deleteOthers(dir, manifest);
      ItemIndex base = openIndex(dir.resolve(manifest.indexFile()), manifest, options);
      if (base.dimension() != manifest.dimension()
          || !base.fingerprint().equals(manifest.modelFingerprint())) {
        throw new CatalogFileException(
            "catalog",
            dir,
            "index "
                + manifest.indexFile()
                + " holds "
                + base.dimension()
                + "-dim vectors of model '"
                + base.fingerprint()
                + "', the manifest says "
                + manifest.dimension()
                + " and '"
                + manifest.modelFingerprint()
                + "'");
      }
      ItemFile items = ItemFile.open(dir.resolve(manifest.itemFile()));
      opened.add(items);
      if (items.size() != base.size()) {
        throw new CatalogFileException(
            "catalog",
            dir,
            "item file "
                + manifest.itemFile()
                + " holds "
                + items.size()
                + " items, index "
                + manifest.indexFile()
                + " "
                + base.size());
      }
      List<DeltaLog.Batch> batches = new ArrayList<>();
      DeltaLog log = DeltaLog.open(dir.resolve(manifest.deltaFile()), base.dimension(), batches);
      opened.add(log);
      Map<String, Item> added = new ConcurrentHashMap<>();
      ItemIndex index = base;
      int replayed = 0;
      for (DeltaLog.Batch batch : batches) {
        List<String> ids = batch.items().stream().map(Item::id).toList();
        index = index.add(ids, batch.vectors(), batch.textFingerprints(), OnExisting.REPLACE);
        batch.items().forEach(item -> added.put(item.id(), item));
        replayed += ids.size();
      }
      LOG.info(
          "opened catalog {} (generation {}, {} base items, {} added in {} logged additions) in {}"
              + " ms",
          dir,
          manifest.generation(),
          base.size(),
          replayed,
          batches.size(),
          (System.nanoTime() - start) / 1_000_000);
      return new Catalog(
          dir,
          options,
          CatalogView.of(index, items, base.size(), null, added),
          manifest,
          log,
          lockChannel,
          lock);
    } catch (IOException | RuntimeException e) {
      for (AutoCloseable c : opened) {
        closeQuietly(c, e);
      }
      throw e;
    }
  }

  /** The base index with the reader of the manifest's kind. */
  private static ItemIndex openIndex(Path file, CatalogManifest manifest, OpenOptions options)
      throws IOException {
    return manifest.indexKind() == ItemIndexes.Kind.HNSW
        ? HnswItemIndex.open(file, options)
        : ExactItemIndex.open(file, options);
  }

  private static FileLock tryLock(FileChannel channel, Path dir) throws IOException {
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      throw new IllegalStateException(
          "catalog " + dir + " is already open (in this or another process); close it first");
    }
    return lock;
  }

  /** The current view: take one per request and do every lookup of the request through it. */
  public CatalogView view() {
    return view;
  }

  /** The current index. */
  public ItemIndex index() {
    return view.index();
  }

  @Override
  public int size() {
    return view.size();
  }

  @Override
  public Optional<Item> item(String id) {
    return view.item(id);
  }

  /** The directory, or empty for an in-memory catalog. */
  public Optional<Path> directory() {
    return Optional.ofNullable(dir);
  }

  /** The current generation of the directory (0 in memory). */
  public long generation() {
    writer.lock();
    try {
      return manifest == null ? 0 : manifest.generation();
    } finally {
      writer.unlock();
    }
  }

  /**
   * Adds items with their vectors: validated by the index, then (for a directory) appended to the
   * delta log and forced to disk, then published to readers. When this returns, the addition is
   * durable; when it throws, nothing was published.
   *
   * @param textFingerprints one per item ({@link TextFingerprint}; 0 = unknown)
   * @throws IllegalArgumentException as {@link ItemIndex#add} (duplicate or invalid input)
   * @throws IOException if the delta log cannot be written; the addition is then not in the log
   */
  public void add(
      List<Item> items, float[][] vectors, long[] textFingerprints, OnExisting onExisting)
      throws IOException {
    Objects.requireNonNull(items, "items");
    Objects.requireNonNull(vectors, "vectors");
    Objects.requireNonNull(textFingerprints, "textFingerprints");
    if (items.isEmpty()) {
      return;
    }
    writer.lock();
    try {
      ensureOpen();
      CatalogView current = view;
      List<String> ids = items.stream().map(Item::id).toList();
      ItemIndex next = current.index().add(ids, vectors, textFingerprints, onExisting);
      if (log != null) {
        log.append(items, vectors, textFingerprints);
      }
      items.forEach(item -> current.putAdded(item));
      view = current.withIndex(next);
    } finally {
      writer.unlock();
    }
  }

  /**
   * Writes the next generation of the directory (base index and items = everything now, an empty
   * delta log), commits it, and continues from it: the delta's vectors move from the heap to the
   * new mapped base. Additions wait while it runs (a pass over the vectors and the items).
   *
   * @throws IllegalStateException for an in-memory catalog
   */
  public void checkpoint() throws IOException {
    writer.lock();
    try {
      ensureOpen();
      if (dir == null) {
        throw new IllegalStateException(
            "an in-memory catalog has nothing to checkpoint; create a catalog directory with"
                + " Catalog.create");
      }
      long start = System.nanoTime();
      CatalogView current = view;
      CatalogManifest next =
          CatalogManifest.forGeneration(
              manifest.generation() + 1,
              manifest.dimension(),
              manifest.modelFingerprint(),
              manifest.indexKind());
      try {
        writeGeneration(dir, next, current);
      } catch (IOException | RuntimeException e) {
        Generations.deleteFiles(dir, next, e);
        throw e;
      }
      next.write(dir); // the commit point
      switchTo(next, current);
      LOG.info(
          "catalog {}: checkpoint to generation {} ({} items) in {} ms",
          dir,
          next.generation(),
          current.size(),
          (System.nanoTime() - start) / 1_000_000);
    } finally {
      writer.unlock();
    }
  }

  private void switchTo(CatalogManifest next, CatalogView current) throws IOException {
    try {
      ItemIndex base =
          openIndex(
              dir.resolve(next.indexFile()),
              next,
              options.withVerify(false).withExpectedFingerprint(next.modelFingerprint()));
      ItemFile items = ItemFile.open(dir.resolve(next.itemFile()));
      DeltaLog nextLog =
          DeltaLog.open(dir.resolve(next.deltaFile()), next.dimension(), new ArrayList<>());
      log.close();
      if (previousItems != null) {
        previousItems.close(); // two generations back: no request still reads it
      }
      previousItems = current.baseItems();
      log = nextLog;
      manifest = next;
      view = CatalogView.of(base, items, base.size(), null, new ConcurrentHashMap<>());
      Generations.deleteOthers(dir, next);
    } catch (IOException | RuntimeException e) {
      // The new generation is committed on disk but could not be taken over in memory.
      closed = true;
      throw new IOException(
          "catalog "
              + dir
              + ": generation "
              + next.generation()
              + " was written and committed but could not be opened; reopen the catalog",
          e);
    }
  }

  private static void writeGeneration(Path dir, CatalogManifest target, CatalogView source)
      throws IOException {
    ItemIndex index = source.index();
    index.save(dir.resolve(target.indexFile()));
    ItemFile.write(dir.resolve(target.itemFile()), index.size(), source::itemAtRow);
    DeltaLog.create(dir.resolve(target.deltaFile()), index.dimension());
    Durability.forceDirectory(dir);
  }

  /**
   * Reads every byte of the directory's current files and checks them against their checksums: the
   * base index (vectors included), every item record, and the acknowledged records of the delta
   * log. Runs without blocking readers or additions.
   *
   * @throws io.recformer.infer.index.ChecksumMismatchException or {@link CatalogFileException}
   *     naming the file, the section and both checksums
   */
  public void verify() throws IOException {
    if (dir == null) {
      return;
    }
    for (int attempt = 0; ; attempt++) {
      CatalogManifest m;
      long logLength;
      writer.lock();
      try {
        ensureOpen();
        m = manifest;
        logLength = log.length();
      } finally {
        writer.unlock();
      }
      try {
        if (m.indexKind() == ItemIndexes.Kind.HNSW) {
          HnswItemIndex.verify(dir.resolve(m.indexFile()));
        } else {
          ExactItemIndex.verify(dir.resolve(m.indexFile()));
        }
        try (ItemFile items = ItemFile.open(dir.resolve(m.itemFile()))) {
          items.verify();
        }
        DeltaLog.verify(dir.resolve(m.deltaFile()), m.dimension(), logLength);
        return;
      } catch (IOException e) {
        if (attempt > 0 || generation() == m.generation()) {
          throw e;
        }
        // A checkpoint replaced the generation under us: verify the new one.
      }
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("catalog " + (dir == null ? "" : dir + " ") + "is closed");
    }
  }

  /** Releases the files and the directory lock; idempotent. Additions then fail. */
  @Override
  public void close() {
    writer.lock();
    try {
      closed = true;
      if (log != null) {
        log.close();
        log = null;
      }
      if (previousItems != null) {
        previousItems.close();
        previousItems = null;
      }
      if (view.baseItems() != null) {
        view.baseItems().close();
      }
      if (lock != null) {
        try {
          lock.release();
        } catch (IOException e) {
          LOG.debug("releasing the lock of catalog {}", dir, e);
        }
        closeQuietly(lockChannel, null);
      }
    } finally {
      writer.unlock();
    }
  }

  private static void closeQuietly(AutoCloseable c, Throwable primary) {
    try {
      c.close();
    } catch (Exception e) {
      if (primary != null) {
        primary.addSuppressed(e);
      }
    }
  }

  @Override
  public String toString() {
    CatalogView v = view;
    return "Catalog["
        + (dir == null ? "in memory" : dir + ", generation " + manifest.generation())
        + ", "
        + v.size()
        + " items, "
        + v.addedCount()
        + " added since the base]";
  }
}
