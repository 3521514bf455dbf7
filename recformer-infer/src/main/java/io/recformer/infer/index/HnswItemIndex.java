package io.recformer.infer.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.Bits;

/**
 * An approximate {@link ItemIndex}: a Hierarchical Navigable Small World graph (Lucene's {@code
 * org.apache.lucene.util.hnsw}) over the normalized item vectors, searched by inner product (=
 * cosine). A query visits a few thousand items instead of all of them, so a million-item catalog
 * answers in well under a millisecond; it may miss some of the true top K (the recall, set by
 * {@link HnswParameters#efSearch()}), but every returned score is the item's exact cosine, computed
 * with the exact scan's kernel.
 *
 * <p>Queries that the graph cannot answer well fall back to a scan of all items: a K at least the
 * index size, an {@code efSearch} covering the whole index, or exclusions and filters so strict
 * that the graph search found fewer than K accepted items. Filters are called for items the search
 * visits, possibly many more than K.
 *
 * <p>Additions ({@link #add}) insert new graph nodes into the graph shared with this index and
 * return a new instance; this instance keeps answering over its own items only (rows and vectors
 * never change under it), as {@code CatalogView} requires. A replaced vector becomes a new node;
 * the old one stays in the graph as a waypoint but is never returned. Queries take a read lock on
 * the shared graph, additions a write lock, so a query waits for an insertion in progress (a few
 * milliseconds per item).
 *
 * <p>Everything lives in the heap: vectors ({@code 4 x dimension} bytes per item) and links (about
 * {@code 8 x 2M} bytes per item on the bottom layer). Saved in its own versioned file
 * (docs/formats.md, "HNSW index"), read back whole by {@link #open}.
 */
public final class HnswItemIndex implements ItemIndex {

  private final HnswGraphState state;
  private final IntChunks nodeToRow;
  private final IntChunks rowToNode;
  private final IdTable ids;
  private final TextFingerprints texts;
  private final String fingerprint;
  private final HnswParameters parameters;

  HnswItemIndex(
      HnswGraphState state,
      IntChunks nodeToRow,
      IntChunks rowToNode,
      IdTable ids,
      TextFingerprints texts,
      String fingerprint,
      HnswParameters parameters) {
    if (rowToNode.size() != ids.size() || texts.size() != ids.size()) {
      throw new IllegalArgumentException(
          "index has "
              + rowToNode.size()
              + " rows, "
              + ids.size()
              + " ids and "
              + texts.size()
              + " text fingerprints");
    }
    this.state = state;
    this.nodeToRow = nodeToRow;
    this.rowToNode = rowToNode;
    this.ids = ids;
    this.texts = texts;
    this.fingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
    this.parameters = Objects.requireNonNull(parameters, "parameters");
  }

  /**
   * Builds the graph over these items (single-threaded; 3-4 minutes per 100k 384-dim items with the
   * Vector API kernel and the default parameters, 37.5 min for 1 M on a 2-core AVX2 host; see
   * docs/benchmarks.md). Vectors are validated and normalized; the caller's arrays are not
   * modified.
   *
   * @param textFingerprints one per id (0 = unknown)
   */
  public static HnswItemIndex build(
      List<String> ids,
      float[][] vectors,
      long[] textFingerprints,
      String fingerprint,
      HnswParameters parameters) {
    Objects.requireNonNull(vectors, "vectors");
    Objects.requireNonNull(textFingerprints, "textFingerprints");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(parameters, "parameters");
    String[] idArray = Vectors.idArray(ids, vectors.length);
    if (idArray.length == 0) {
      throw new IllegalArgumentException(
          "cannot infer the dimension of an empty index; build from an empty ExactItemIndex");
    }
    if (textFingerprints.length != idArray.length) {
      throw new IllegalArgumentException(
          "got " + idArray.length + " ids but " + textFingerprints.length + " text fingerprints");
    }
    IdTable table = IdTable.of(idArray);
    int dim = vectors[0] == null ? 0 : vectors[0].length;
    NodeVectors nodes = new NodeVectors(Math.max(dim, 1), Kernel.ACTIVE);
    for (int row = 0; row < idArray.length; row++) {
      nodes.append(
          Vectors.normalizedRows(
              new String[] {idArray[row]}, new float[][] {vectors[row]}, dim, row),
          0,
          1);
    }
    return buildOver(
        nodes, table, TextFingerprints.of(textFingerprints.clone()), fingerprint, parameters);
  }

  /**
   * Builds the graph over the items of another index (e.g. an {@link ExactItemIndex} built or
   * opened from a file), with its ids, rows, text fingerprints and model fingerprint.
   */
  public static HnswItemIndex build(ItemIndex source, HnswParameters parameters) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(parameters, "parameters");
    int n = source.size();
    NodeVectors nodes = new NodeVectors(source.dimension(), Kernel.ACTIVE);
    String[] idArray = new String[n];
    long[] textArray = new long[n];
    for (int row = 0; row < n; row++) {
      idArray[row] = source.itemId(row);
      textArray[row] = source.textFingerprint(row);
      float[] v = source.vector(row);
      Vectors.normalizeInPlace(idArray[row], row, v, 0, v.length);
      nodes.append(v, 0, 1);
    }
    return buildOver(
        nodes,
        IdTable.of(idArray),
        TextFingerprints.of(textArray),
        source.fingerprint(),
        parameters);
  }

  private static HnswItemIndex buildOver(
      NodeVectors nodes,
      IdTable ids,
      TextFingerprints texts,
      String fingerprint,
      HnswParameters parameters) {
    HnswGraphState state = HnswGraphState.create(nodes, parameters);
    state.insert(0, nodes.size());
    int[] identity = new int[nodes.size()];
    Arrays.setAll(identity, i -> i);
    IntChunks map = IntChunks.of(identity);
    return new HnswItemIndex(state, map, map, ids, texts, fingerprint, parameters);
  }

  /** Opens an HNSW index file with {@link OpenOptions#DEFAULTS}. */
  public static HnswItemIndex open(Path file) throws IOException {
    return open(file, OpenOptions.DEFAULTS);
  }

  /**
   * Reads an HNSW index file written by {@link #save} into the heap, verifying every checksum and
   * the graph's structure. Of {@code options} only the expected fingerprint applies: the file is
   * always read whole and verified.
   *
   * @throws IndexFileException when the file is truncated, corrupted, of an unknown format version
   *     or built by another model than {@code options.expectedFingerprint()}
   */
  public static HnswItemIndex open(Path file, OpenOptions options) throws IOException {
    Objects.requireNonNull(options, "options");
    return HnswIndexFile.read(file, options.expectedFingerprint());
  }

  /** Reads every byte of an HNSW index file and checks checksums and structure. */
  public static void verify(Path file) throws IOException {
    HnswIndexFile.verify(file);
  }

  /** The same index and graph searched with another {@code efSearch} (no copy). */
  public HnswItemIndex withEfSearch(int efSearch) {
    return new HnswItemIndex(
        state, nodeToRow, rowToNode, ids, texts, fingerprint, parameters.withEfSearch(efSearch));
  }

  /** The parameters the graph was built with and the current {@code efSearch}. */
  public HnswParameters parameters() {
    return parameters;
  }

  /** Writes this index atomically in the HNSW index format (docs/formats.md, "HNSW index"). */
  @Override
  public void save(Path file) throws IOException {
    HnswIndexFile.write(file, this);
  }

  @Override
  public HnswItemIndex add(
      List<String> newIds, float[][] vectors, long[] textFingerprints, OnExisting onExisting) {
    return HnswAdditions.apply(this, newIds, vectors, textFingerprints, onExisting);
  }

  /** This index with the rows and nodes given (the graph is shared). */
  HnswItemIndex derived(
      IntChunks nextNodeToRow, IntChunks nextRowToNode, IdTable nextIds, TextFingerprints next) {
    return new HnswItemIndex(
        state, nextNodeToRow, nextRowToNode, nextIds, next, fingerprint, parameters);
  }

  HnswGraphState state() {
    return state;
  }

  IntChunks nodeToRow() {
    return nodeToRow;
  }

  IntChunks rowToNode() {
    return rowToNode;
  }

  IdTable ids() {
    return ids;
  }

  TextFingerprints texts() {
    return texts;
  }

  @Override
  public int size() {
    return ids.size();
  }

  @Override
  public int dimension() {
    return state.dimension();
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
    return state.vector(rowToNode.get(row));
  }

  @Override
  public List<ScoredItem> topK(float[] query, int k, QueryOptions options) {
    Objects.requireNonNull(query, "query");
    return topK(new float[][] {query}, k, options).get(0);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The queries run one after another on the calling thread ({@link QueryOptions#threads()} and
   * {@link QueryOptions#executor()} are not used: one graph search is a few hundred microseconds).
   */
  @Override
  public List<List<ScoredItem>> topK(float[][] queries, int k, QueryOptions options) {
    Objects.requireNonNull(queries, "queries");
    Objects.requireNonNull(options, "options");
    if (k < 0) {
      throw new IllegalArgumentException("k must be >= 0, was " + k);
    }
    float[][] normalized = new float[queries.length][];
    for (int q = 0; q < queries.length; q++) {
      normalized[q] = Vectors.normalizedQuery(queries[q], q, queries.length, dimension());
    }
    BitSet excluded = excludedRows(options);
    List<List<ScoredItem>> results = new ArrayList<>(queries.length);
    for (float[] query : normalized) {
      results.add(k == 0 || size() == 0 ? List.of() : search(query, k, excluded, options));
    }
    return List.copyOf(results);
  }

  private List<ScoredItem> search(float[] query, int k, BitSet excluded, QueryOptions options) {
    Bits accept = new Accept(excluded, options);
    int ef = Math.max(parameters.efSearch(), k);
    long[] keys;
    if (ef >= size()) {
      keys = scan(query, k, accept);
    } else {
      TopDocs found = state.search(query, ef, accept);
      if (found.scoreDocs.length < k) {
        keys = scan(query, k, accept);
      } else {
        keys = new long[found.scoreDocs.length];
        for (int i = 0; i < keys.length; i++) {
          ScoreDoc hit = found.scoreDocs[i];
          keys[i] = TopKScan.sortKey(hit.score, nodeToRow.get(hit.doc));
        }
        Arrays.sort(keys);
      }
    }
    int n = Math.min(k, keys.length);
    List<ScoredItem> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int row = TopKScan.rowOf(keys[i]);
      list.add(new ScoredItem(ids.id(row), row, TopKScan.scoreOf(keys[i])));
    }
    return List.copyOf(list);
  }

  /** Exact top K over this instance's items (sorted keys). */
  private long[] scan(float[] query, int k, Bits accept) {
    TopKHeap heap = new TopKHeap(k);
    state.scan(
        query, nodeToRow.size(), accept, (node, score) -> heap.offer(score, nodeToRow.get(node)));
    long[] keys = new long[heap.size()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = TopKScan.sortKey(heap.score(i), heap.row(i));
    }
    Arrays.sort(keys);
    return keys;
  }

  /** Which graph nodes a query of this instance may return. */
  private final class Accept implements Bits {
    private final BitSet excluded;
    private final QueryOptions options;

    Accept(BitSet excluded, QueryOptions options) {
      this.excluded = excluded;
      this.options = options;
    }

    @Override
    public boolean get(int node) {
      if (node >= nodeToRow.size()) {
        return false; // added to the shared graph after this instance was created
      }
      int row = nodeToRow.get(node);
      return row >= 0
          && (excluded == null || !excluded.get(row))
          && (options.rowFilter() == null || options.rowFilter().test(row))
          && (options.idFilter() == null || options.idFilter().test(ids.id(row)));
    }

    @Override
    public int length() {
      return nodeToRow.size();
    }
  }

  private BitSet excludedRows(QueryOptions options) {
    for (int row : options.excludedRows()) {
      if (row >= size()) {
        throw new IllegalArgumentException(
            "excluded row " + row + " is outside [0, " + size() + ")");
      }
    }
    if (options.excludedIds().isEmpty() && options.excludedRows().isEmpty()) {
      return null;
    }
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

  @Override
  public String toString() {
    return "HnswItemIndex[size="
        + size()
        + ", dimension="
        + dimension()
        + ", fingerprint='"
        + fingerprint
        + "', nodes="
        + nodeToRow.size()
        + ", "
        + parameters
        + "]";
  }
}
