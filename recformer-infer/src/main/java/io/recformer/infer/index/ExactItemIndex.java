package io.recformer.infer.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * {@link #withAdded}, which returns a new index sharing the existing vectors (and their mapping)
 * instead of rebuilding.
 *
 * <p>Mapped files stay mapped until the index is garbage-collected (the JDK offers no safe unmap);
 * on Windows this keeps the file locked. Replacing the file on disk with {@link #save} (an atomic
 * move) does not disturb an open index on POSIX file systems.
 */
public final class ExactItemIndex implements ItemIndex {

  /**
   * What {@link #withAdded(List, float[][], OnExisting)} does with an id the index already holds.
   */
  public enum OnExisting {
    /**
     * Reject the whole call, naming the id (the default: silent replacement hides id collisions).
     */
    FAIL,
    /** Replace the stored vector; the item keeps its row. */
    REPLACE
  }

  /**
   * How {@link #open(Path, OpenOptions)} checks and holds a file.
   *
   * @param expectedFingerprint the fingerprint of the model the caller will query with; the file is
   *     refused when it was built by another one. Null accepts any.
   * @param verifyVectorChecksum whether to read every vector to verify its checksum (about a second
   *     per GB). The header and ids are always verified, and the file structure and sizes always
   *     checked; skipping this opens a huge file instantly at the cost of not detecting bit rot in
   *     the vectors.
   * @param vectorsInHeap whether to read the vectors into the Java heap instead of memory-mapping
   *     the file. Mapping (the default) opens instantly and needs no heap, so an index larger than
   *     the heap can be served, and several processes share one copy in the page cache. Reading
   *     costs a pass over the file at open (about 0.5-1 s per GB) and heap for the whole matrix,
   *     but scans then run at the heap index's steady speed: on the (loaded) benchmark machine,
   *     scanning a mapped matrix intermittently cost 2-14x the CPU time of the same matrix in
   *     process-owned memory (docs/benchmarks.md, "Item index"). Typical: true for latency-critical
   *     serving when the heap allows it.
   */
  public record OpenOptions(
      String expectedFingerprint, boolean verifyVectorChecksum, boolean vectorsInHeap) {

    /** Any fingerprint, full verification, vectors mapped. */
    public static final OpenOptions DEFAULTS = new OpenOptions(null, true, false);

    /** Vectors mapped, as before {@code vectorsInHeap} existed. */
    public OpenOptions(String expectedFingerprint, boolean verifyVectorChecksum) {
      this(expectedFingerprint, verifyVectorChecksum, false);
    }

    public OpenOptions withExpectedFingerprint(String fingerprint) {
      return new OpenOptions(fingerprint, verifyVectorChecksum, vectorsInHeap);
    }

    public OpenOptions withVerifyVectorChecksum(boolean verify) {
      return new OpenOptions(expectedFingerprint, verify, vectorsInHeap);
    }

    public OpenOptions withVectorsInHeap(boolean inHeap) {
      return new OpenOptions(expectedFingerprint, verifyVectorChecksum, inHeap);
    }
  }

  private final VectorStore store;
  private final IdTable ids;
  private final String fingerprint;
  private final Kernel kernel;

  ExactItemIndex(VectorStore store, IdTable ids, String fingerprint) {
    this(store, ids, fingerprint, Kernel.ACTIVE);
  }

  private ExactItemIndex(VectorStore store, IdTable ids, String fingerprint, Kernel kernel) {
    if (store.size() != ids.size()) {
      throw new IllegalArgumentException(
          "index has " + store.size() + " vectors but " + ids.size() + " ids");
    }
    this.store = store;
    this.ids = ids;
    this.fingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
    this.kernel = Objects.requireNonNull(kernel, "kernel");
  }

  /** The same index scanned with another kernel (tests and benchmarks compare kernels). */
  ExactItemIndex withKernel(Kernel other) {
    return new ExactItemIndex(store, ids, fingerprint, other);
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
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(vectors, "vectors");
    Objects.requireNonNull(fingerprint, "fingerprint");
    if (vectors.length == 0 && ids.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot infer the dimension of an empty index; use build(ids, flatVectors, dimension,"
              + " fingerprint)");
    }
    String[] idArray = idArray(ids, vectors.length);
    int dimension = vectors[0] == null ? 0 : vectors[0].length;
    return new ExactItemIndex(
        VectorStore.ofHeap(
            normalizedRows(idArray, vectors, dimension, 0),
            idArray.length,
            dimension,
            VectorStore.MAX_HEAP_SEGMENT_FLOATS),
        IdTable.of(idArray),
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
    String[] idArray = idArray(ids, ids.size());
    for (int row = 0; row < idArray.length; row++) {
      normalizeInPlace(idArray[row], row, flat, row * dimension, dimension);
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
        options.verifyVectorChecksum(),
        VectorStore.MAX_MAPPED_SEGMENT_BYTES,
        options.vectorsInHeap());
  }

  /**
   * Writes this index to {@code file} atomically (a temporary file in the same directory, then a
   * move), in the format described in docs/formats.md ("Item index").
   */
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

  /**
   * A new index with these items added; ids already present are rejected ({@link OnExisting#FAIL})
   * or get the new vector in their existing row ({@link OnExisting#REPLACE}). New ids are appended
   * in the given order. Duplicates within {@code newIds} are always rejected.
   */
  public ExactItemIndex withAdded(List<String> newIds, float[][] vectors, OnExisting onExisting) {
    Objects.requireNonNull(onExisting, "onExisting");
    String[] idArray = idArray(newIds, vectors.length);
    float[] normalized = normalizedRows(idArray, vectors, dimension(), size());
    IdTable.of(idArray.clone()); // rejects duplicates within the call, naming them
    List<String> appendedIds = new ArrayList<>();
    List<Integer> appendedPositions = new ArrayList<>();
    List<Integer> replacedRows = new ArrayList<>();
    List<Integer> replacedPositions = new ArrayList<>();
    for (int i = 0; i < idArray.length; i++) {
      int existing = ids.rowOf(idArray[i]);
      if (existing < 0) {
        appendedIds.add(idArray[i]);
        appendedPositions.add(i);
      } else if (onExisting == OnExisting.FAIL) {
        throw new IllegalArgumentException(
            "item '"
                + idArray[i]
                + "' is already in the index at row "
                + existing
                + "; pass OnExisting.REPLACE to replace its vector");
      } else {
        replacedRows.add(existing);
        replacedPositions.add(i);
      }
    }
    int dim = dimension();
    VectorStore next = store;
    if (!replacedRows.isEmpty()) {
      int[] rows = new int[replacedRows.size()];
      float[][] replacements = new float[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = replacedRows.get(i);
        int p = replacedPositions.get(i);
        replacements[i] = Arrays.copyOfRange(normalized, p * dim, (p + 1) * dim);
      }
      next = next.replaced(rows, replacements);
    }
    IdTable nextIds = ids;
    if (!appendedIds.isEmpty()) {
      float[] flat = new float[appendedIds.size() * dim];
      for (int i = 0; i < appendedIds.size(); i++) {
        System.arraycopy(normalized, appendedPositions.get(i) * dim, flat, i * dim, dim);
      }
      next = next.appended(flat, appendedIds.size());
      nextIds = ids.appended(appendedIds.toArray(new String[0]));
    }
    return new ExactItemIndex(next, nextIds, fingerprint, kernel);
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

  /** A copy of the stored (normalized) vector of {@code row}. */
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
    normalize(out, 0, out.length, name);
    return out;
  }

  private static String[] idArray(List<String> ids, int vectorCount) {
    Objects.requireNonNull(ids, "ids");
    if (ids.size() != vectorCount) {
      throw new IllegalArgumentException(
          "got " + ids.size() + " ids but " + vectorCount + " vectors");
    }
    String[] out = new String[ids.size()];
    for (int i = 0; i < out.length; i++) {
      String id = ids.get(i);
      if (id == null || id.isEmpty()) {
        throw new IllegalArgumentException(
            "item id at position " + i + " is " + (id == null ? "null" : "empty"));
      }
      out[i] = id;
    }
    return out;
  }

  /** Validates and normalizes {@code vectors} into one row-major array. */
  private static float[] normalizedRows(
      String[] idArray, float[][] vectors, int dimension, int firstRow) {
    if (dimension <= 0) {
      throw new IllegalArgumentException(
          "vector of item '"
              + idArray[0]
              + "' (row "
              + firstRow
              + ") is "
              + (vectors[0] == null ? "null" : "empty"));
    }
    if ((long) vectors.length * dimension > VectorStore.MAX_HEAP_SEGMENT_FLOATS) {
      throw new IllegalArgumentException(
          "build from float[][] holds at most "
              + VectorStore.MAX_HEAP_SEGMENT_FLOATS
              + " floats per call, got "
              + vectors.length
              + " x "
              + dimension
              + "; add the rest with withAdded");
    }
    float[] flat = new float[vectors.length * dimension];
    for (int i = 0; i < vectors.length; i++) {
      float[] v = vectors[i];
      int row = firstRow + i;
      if (v == null || v.length != dimension) {
        throw new IllegalArgumentException(
            "vector of item '"
                + idArray[i]
                + "' (row "
                + row
                + ") has dimension "
                + (v == null ? "null" : Integer.toString(v.length))
                + ", expected "
                + dimension);
      }
      System.arraycopy(v, 0, flat, i * dimension, dimension);
      normalizeInPlace(idArray[i], row, flat, i * dimension, dimension);
    }
    return flat;
  }

  private static void normalizeInPlace(
      String id, int row, float[] data, int offset, int dimension) {
    normalize(data, offset, dimension, "vector of item '" + id + "' (row " + row + ")");
  }

  /**
   * Scales {@code data[offset .. offset + length)} to unit L2 norm, computing the norm in double.
   * Rejects NaN, infinite and all-zero vectors, since their cosine similarity is undefined.
   */
  static void normalize(float[] data, int offset, int length, String name) {
    double sum = 0;
    for (int i = 0; i < length; i++) {
      float x = data[offset + i];
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException(
            name + " has " + x + " at position " + i + "; vectors must be finite");
      }
      sum += (double) x * x;
    }
    if (sum == 0) {
      throw new IllegalArgumentException(name + " is all zeros; cosine similarity is undefined");
    }
    double inv = 1.0 / Math.sqrt(sum);
    for (int i = 0; i < length; i++) {
      data[offset + i] = (float) (data[offset + i] * inv);
    }
  }
}
