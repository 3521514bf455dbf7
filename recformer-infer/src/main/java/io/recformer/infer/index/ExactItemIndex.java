package io.recformer.infer.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A flat, exact {@link ItemIndex}: every query is compared with every item.
 *
 * <p>Vectors are L2-normalized when the index is built, so a score is one inner product. They live
 * in one contiguous float region per segment: a heap {@code float[]} for indexes built in memory,
 * or a read-only memory mapping for indexes {@linkplain #open opened} from a file, which opens a
 * million-item index without reading it. The scan splits the rows across threads, keeps a bounded
 * min-heap per thread and merges them; batched queries multiply blocks of queries with tiles of
 * items so that the item matrix is read from memory once per batch.
 *
 * <p>Inner products run in one of two kernels: plain Java (always available) or, when the JVM is
 * started with {@code --add-modules jdk.incubator.vector}, the JDK's incubating Vector API, which
 * is several times faster per core and reads memory-mapped vectors in place; the JVM then prints a
 * one-line incubator warning. Results of both kernels agree with a double-precision reference to
 * about 1e-6; within one JVM every call uses the same kernel, so rankings are deterministic. {@code
 * -Drecformer.index.kernel=scalar} forces the plain-Java kernel.
 *
 * <p>Instances are immutable and safe for concurrent queries. Cold-start items are added with
 * {@link #add}, which returns a new index sharing the existing vectors (and their mapping) instead
 * of rebuilding.
 *
 * <p>Mapped files stay mapped until the index is garbage-collected (the JDK offers no safe unmap);
 * on Windows this keeps the file locked. Replacing the file on disk with {@link #save} (an atomic
 * move) does not disturb an open index on POSIX file systems.
 */
public final class ExactItemIndex implements ItemIndex {

  private final VectorStore store;
  private final IdTable ids;
  private final TextFingerprints texts;
  private final String fingerprint;
  private final Kernel kernel;

  ExactItemIndex(VectorStore store, IdTable ids, String fingerprint) {
    this(store, ids, TextFingerprints.unknown(ids.size()), fingerprint, Kernel.ACTIVE);
  }

  ExactItemIndex(VectorStore store, IdTable ids, TextFingerprints texts, String fingerprint) {
    this(store, ids, texts, fingerprint, Kernel.ACTIVE);
  }

  private ExactItemIndex(
      VectorStore store, IdTable ids, TextFingerprints texts, String fingerprint, Kernel kernel) {
    if (store.size() != ids.size() || texts.size() != ids.size()) {
      throw new IllegalArgumentException(
          "index has "
              + store.size()
              + " vectors, "
              + ids.size()
              + " ids and "
              + texts.size()
              + " text fingerprints");
    }
    this.store = store;
    this.ids = ids;
    this.texts = texts;
    this.fingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
    this.kernel = Objects.requireNonNull(kernel, "kernel");
  }

  /** The same index scanned with another kernel (tests and benchmarks compare kernels). */
  ExactItemIndex withKernel(Kernel other) {
    return new ExactItemIndex(store, ids, texts, fingerprint, other);
  }

  /** An index of these rows with this index's fingerprint and kernel. */
  ExactItemIndex derived(VectorStore nextStore, IdTable nextIds, TextFingerprints nextTexts) {
    return new ExactItemIndex(nextStore, nextIds, nextTexts, fingerprint, kernel);
  }

  Kernel kernel() {
    return kernel;
  }

  /**
   * An index of these items. Vectors are validated (same dimension, finite, not all zero) and
   * normalized into a new array; the caller's arrays are not modified.
   *
   * @param ids unique, non-empty item ids; row {@code i} is {@code ids.get(i)}
   * @param vectors one vector per id, all of the same length
   * @param fingerprint identifies the model that produced the vectors (see {@link #fingerprint()})
   */
  public static ExactItemIndex build(List<String> ids, float[][] vectors, String fingerprint) {
    Objects.requireNonNull(vectors, "vectors");
    return build(ids, vectors, new long[vectors.length], fingerprint);
  }

  /**
   * As {@link #build(List, float[][], String)} with the text fingerprint of each item (0 =
   * unknown), saved with the index so that a later catalog with changed text is detected.
   */
  public static ExactItemIndex build(
      List<String> ids, float[][] vectors, long[] textFingerprints, String fingerprint) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(vectors, "vectors");
    Objects.requireNonNull(textFingerprints, "textFingerprints");
    Objects.requireNonNull(fingerprint, "fingerprint");
    if (vectors.length == 0 && ids.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot infer the dimension of an empty index; use build(ids, flatVectors, dimension,"
              + " fingerprint)");
    }
    if (textFingerprints.length != vectors.length) {
      throw new IllegalArgumentException(
          "got "
              + vectors.length
              + " vectors but "
              + textFingerprints.length
              + " text fingerprints");
    }
    String[] idArray = Vectors.idArray(ids, vectors.length);
    int dimension = vectors[0] == null ? 0 : vectors[0].length;
    return new ExactItemIndex(
        VectorStore.ofHeap(
            Vectors.normalizedRows(idArray, vectors, dimension, 0),
            idArray.length,
            dimension,
            VectorStore.MAX_HEAP_SEGMENT_FLOATS),
        IdTable.of(idArray),
        TextFingerprints.of(textFingerprints.clone()),
        fingerprint);
  }

  /**
   * An index of these items from one row-major array ({@code ids.size() * dimension} floats): row
   * {@code i} is {@code flatVectors[i * dimension .. (i + 1) * dimension)}. The array is copied.
   */
  public static ExactItemIndex build(
      List<String> ids, float[] flatVectors, int dimension, String fingerprint) {
    Objects.requireNonNull(flatVectors, "flatVectors");
    return adopt(ids, flatVectors.clone(), dimension, fingerprint);
  }

  /**
   * As {@link #build(List, float[], int, String)} but normalizes {@code flat} in place (no copy).
   */
  static ExactItemIndex adopt(List<String> ids, float[] flat, int dimension, String fingerprint) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(fingerprint, "fingerprint");
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be > 0, was " + dimension);
    }
    if ((long) ids.size() * dimension != flat.length) {
      throw new IllegalArgumentException(
          "flatVectors has "
              + flat.length
              + " floats, expected "
              + ids.size()
              + " ids x dimension "
              + dimension
              + " = "
              + (long) ids.size() * dimension);
    }
    String[] idArray = Vectors.idArray(ids, ids.size());
    for (int row = 0; row < idArray.length; row++) {
      Vectors.normalizeInPlace(idArray[row], row, flat, row * dimension, dimension);
    }
    return new ExactItemIndex(
        VectorStore.ofHeap(flat, idArray.length, dimension, VectorStore.MAX_HEAP_SEGMENT_FLOATS),
        IdTable.of(idArray),
        fingerprint);
  }

  /** Opens an index file with {@link OpenOptions#DEFAULTS}. */
  public static ExactItemIndex open(Path file) throws IOException {
    return open(file, OpenOptions.DEFAULTS);
  }

  /**
   * Opens an index file written by {@link #save} by memory-mapping its vectors (read-only), or
   * reading them into the heap when {@link OpenOptions#vectorsInHeap()} says so.
   *
   * @throws IndexFileException when the file is truncated, corrupted, of an unknown format version
   *     or built by another model than {@code options.expectedFingerprint()}
   */
  public static ExactItemIndex open(Path file, OpenOptions options) throws IOException {
    Objects.requireNonNull(options, "options");
    return IndexFile.read(
        file,
        options.expectedFingerprint(),
        options.verify(),
        VectorStore.MAX_MAPPED_SEGMENT_BYTES,
        options.vectorsInHeap());
  }

  /**
   * Reads every byte of an index file and checks it against the stored checksums, without opening
   * an index (a bounded buffer, no heap for the vectors).
   *
   * @throws ChecksumMismatchException naming the file, the damaged section and both checksums
   * @throws IndexFileException when the file is truncated or structurally broken
   */
  public static void verify(Path file) throws IOException {
    IndexFile.verify(file);
  }

  /**
   * Writes this index to {@code file} atomically (a temporary file in the same directory, then a
   * move), in the format described in docs/formats.md ("Item index").
   */
  @Override
  public void save(Path file) throws IOException {
    IndexFile.write(file, this);
  }

  /**
   * A new index holding this index's items followed by the given new ones (cold start); this index
   * is unchanged and the two share the existing vectors. Fails if an id is already present.
   */
  public ExactItemIndex withAdded(List<String> newIds, float[][] vectors) {
    return withAdded(newIds, vectors, OnExisting.FAIL);
  }

  /** {@link #add} with unknown text fingerprints, typed as the exact index. */
  public ExactItemIndex withAdded(List<String> newIds, float[][] vectors, OnExisting onExisting) {
    Objects.requireNonNull(vectors, "vectors");
    return IndexAdditions.apply(this, newIds, vectors, new long[vectors.length], onExisting);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Returns a new exact index sharing this one's vectors (and their mapping); this index is
   * unchanged. Added vectors live in heap segments; past {@code VectorStore.MAX_SEGMENTS} segments
   * the heap segments are merged, never the mapped ones.
   */
  @Override
  public ExactItemIndex add(
      List<String> newIds, float[][] vectors, long[] textFingerprints, OnExisting onExisting) {
    return IndexAdditions.apply(this, newIds, vectors, textFingerprints, onExisting);
  }

  @Override
  public int size() {
    return store.size();
  }

  @Override
  public int dimension() {
    return store.dimension();
  }

  @Override
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public String itemId(int row) {
    return ids.id(row);
  }

  @Override
  public OptionalInt rowOf(String itemId) {
    Objects.requireNonNull(itemId, "itemId");
    int row = ids.rowOf(itemId);
    return row < 0 ? OptionalInt.empty() : OptionalInt.of(row);
  }

  @Override
  public long textFingerprint(int row) {
    Objects.checkIndex(row, size());
    return texts.get(row);
  }

  @Override
  public float[] vector(int row) {
    Objects.checkIndex(row, size());
    return store.row(row);
  }

  /** Whether any vectors are read from a memory-mapped file. */
  public boolean isMemoryMapped() {
    return store.isMapped();
  }

  @Override
  public List<ScoredItem> topK(float[] query, int k, QueryOptions options) {
    Objects.requireNonNull(query, "query");
    return topK(new float[][] {query}, k, options).get(0);
  }

  @Override
  public List<List<ScoredItem>> topK(float[][] queries, int k, QueryOptions options) {
    Objects.requireNonNull(queries, "queries");
    Objects.requireNonNull(options, "options");
    if (k < 0) {
      throw new IllegalArgumentException("k must be >= 0, was " + k);
    }
    float[][] normalized = new float[queries.length][];
    for (int q = 0; q < queries.length; q++) {
      normalized[q] = normalizedQuery(queries[q], q, queries.length);
    }
    List<List<ScoredItem>> results = new ArrayList<>(queries.length);
    if (k == 0 || size() == 0 || queries.length == 0) {
      for (int q = 0; q < queries.length; q++) {
        results.add(List.of());
      }
      checkExcludedRows(options);
      return List.copyOf(results);
    }
    TopKScan.Eligibility eligibility =
        new TopKScan.Eligibility(
            excludedRows(options), options.rowFilter(), options.idFilter(), ids::id);
    int partitions = TopKScan.partitions(options.threads(), size(), dimension());
    List<long[]> keys =
        TopKScan.topKeys(store, normalized, k, eligibility, partitions, options.executor(), kernel);
    for (long[] perQuery : keys) {
      List<ScoredItem> list = new ArrayList<>(perQuery.length);
      for (long key : perQuery) {
        int row = TopKScan.rowOf(key);
        list.add(new ScoredItem(ids.id(row), row, TopKScan.scoreOf(key)));
      }
      results.add(List.copyOf(list));
    }
    return List.copyOf(results);
  }

  @Override
  public String toString() {
    return "ExactItemIndex[size="
        + size()
        + ", dimension="
        + dimension()
        + ", fingerprint='"
        + fingerprint
        + "', segments="
        + store.segmentCount()
        + (isMemoryMapped() ? ", mapped" : "")
        + ", kernel="
        + kernel.name()
        + "]";
  }

  VectorStore store() {
    return store;
  }

  IdTable ids() {
    return ids;
  }

  TextFingerprints texts() {
    return texts;
  }

  private void checkExcludedRows(QueryOptions options) {
    for (int row : options.excludedRows()) {
      if (row >= size()) {
        throw new IllegalArgumentException(
            "excluded row " + row + " is outside [0, " + size() + ")");
      }
    }
  }

  private BitSet excludedRows(QueryOptions options) {
    if (options.excludedIds().isEmpty() && options.excludedRows().isEmpty()) {
      return null;
    }
    checkExcludedRows(options);
    BitSet excluded = new BitSet(size());
    for (int row : options.excludedRows()) {
      excluded.set(row);
    }
    for (String id : options.excludedIds()) {
      int row = ids.rowOf(id);
      if (row >= 0) {
        excluded.set(row);
      }
    }
    return excluded;
  }

  private float[] normalizedQuery(float[] query, int position, int count) {
    String name = count == 1 ? "query" : "query " + position;
    if (query == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    if (query.length != dimension()) {
      throw new IllegalArgumentException(
          name
              + " has dimension "
              + query.length
              + ", the index holds "
              + dimension()
              + "-dim vectors");
    }
    float[] out = query.clone();
    Vectors.normalize(out, 0, out.length, name);
    return out;
  }
}
