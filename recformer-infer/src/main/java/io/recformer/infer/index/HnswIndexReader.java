package io.recformer.infer.index;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and checks an HNSW index file ({@link HnswIndexFile}): every section's checksum, every
 * count against its limit and every link against the graph, so that a damaged file is refused with
 * an {@link IndexFileException} naming the problem instead of failing inside Lucene later.
 */
final class HnswIndexReader {

  private static final Logger LOG = LoggerFactory.getLogger(HnswIndexReader.class);

  private final Path file;
  private final InputStream in;
  private final CRC32C crc = new CRC32C();
  private final byte[] buffer = new byte[1 << 16];
  private final ByteBuffer view = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);

  private HnswIndexReader(Path file, InputStream in) {
    this.file = file;
    this.in = in;
  }

  /** Reads {@code file}; returns the index when {@code build}, else only checks it (null). */
  static HnswItemIndex read(Path file, String expectedFingerprint, boolean build)
      throws IOException {
    long start = System.nanoTime();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
      HnswItemIndex index = new HnswIndexReader(file, raw).read(expectedFingerprint, build);
      LOG.info(
          "{} HNSW index {} in {} ms",
          build ? "opened" : "verified",
          file,
          (System.nanoTime() - start) / 1_000_000);
      return index;
    } catch (EOFException e) {
      throw new IndexFileException(file, "file is truncated", e);
    }
  }

  private HnswItemIndex read(String expectedFingerprint, boolean build) throws IOException {
    byte[] magic = bytes(8);
    if (!Arrays.equals(magic, HnswIndexFile.MAGIC)) {
      throw new IndexFileException(file, "bad magic bytes; not an HNSW index file");
    }
    int version = int32();
    if (version != HnswIndexFile.VERSION) {
      throw new IndexFileException(
          file,
          "format version "
              + version
              + " is not supported; this library reads HNSW index version "
              + HnswIndexFile.VERSION
              + (version > HnswIndexFile.VERSION
                  ? ": it was written by a newer recformer, upgrade the library"
                  : ""));
    }
    int dim = range(int32(), 1, HnswIndexFile.MAX_DIMENSION, "dimension");
    int rows = range(int32(), 0, Integer.MAX_VALUE, "row count");
    int nodes = range(int32(), rows, Integer.MAX_VALUE, "node count");
    int m = range(int32(), 2, HnswParameters.MAX_CONNECTIONS, "maxConnections");
    int beamWidth = range(int32(), m, HnswParameters.MAX_BEAM_WIDTH, "beamWidth");
    int efSearch = range(int32(), 1, HnswParameters.MAX_EF_SEARCH, "efSearch");
    long seed = int64();
    int levels = range(int32(), nodes == 0 ? 0 : 1, HnswIndexFile.MAX_LEVELS, "level count");
    int entry = range(int32(), nodes == 0 ? -1 : 0, nodes - 1, "entry node");
    int fpLength = range(int32(), 0, HnswIndexFile.MAX_FINGERPRINT_BYTES, "fingerprint length");
    String fingerprint = utf8(bytes(fpLength), "fingerprint");
    checkSection("header");
    if (expectedFingerprint != null && !expectedFingerprint.equals(fingerprint)) {
      throw new IndexFileException(
          file,
          "index was built by model '"
              + fingerprint
              + "', bundle is '"
              + expectedFingerprint
              + "'; rebuild the index with this bundle");
    }
    if ((long) nodes * dim > Integer.MAX_VALUE * 8L) {
      throw new IndexFileException(file, "count " + nodes + " x dimension " + dim + " too large");
    }

    NodeVectors vectors = build ? new NodeVectors(dim, Kernel.ACTIVE) : null;
    float[] block = new float[Math.max(1, (buffer.length / 4 / dim)) * dim];
    for (int node = 0; node < nodes; ) {
      int count = Math.min(block.length / dim, nodes - node);
      floats(block, count * dim);
      if (vectors != null) {
        vectors.append(block, 0, count);
      }
      node += count;
    }
    checkSection("vectors");

    String[] ids = new String[rows];
    long[] texts = new long[rows];
    int[] rowToNode = new int[rows];
    for (int row = 0; row < rows; row++) {
      int length = range(int32(), 1, 1 << 20, "id length of row " + row);
      ids[row] = utf8(bytes(length), "id of row " + row);
      texts[row] = int64();
      rowToNode[row] = range(int32(), 0, nodes - 1, "node of row " + row);
    }
    checkSection("rows");

    int[] nodeToRow = new int[nodes];
    for (int node = 0; node < nodes; node++) {
      nodeToRow[node] = range(int32(), -1, rows - 1, "row of node " + node);
    }
    checkSection("nodes");
    for (int row = 0; row < rows; row++) {
      if (nodeToRow[rowToNode[row]] != row) {
        throw new IndexFileException(
            file, "row " + row + " points to node " + rowToNode[row] + ", which is not its node");
      }
    }
    for (int node = 0; node < nodes; node++) {
      if (nodeToRow[node] >= 0 && rowToNode[nodeToRow[node]] != node) {
        throw new IndexFileException(
            file, "node " + node + " claims row " + nodeToRow[node] + ", which has another node");
      }
    }

    StoredGraph graph = readGraph(nodes, levels, entry, m);
    checkSection("graph");
    byte[] end = bytes(4);
    if (!Arrays.equals(end, HnswIndexFile.END)) {
      throw new IndexFileException(file, "end marker missing; the file is damaged");
    }
    if (in.read() != -1) {
      throw new IndexFileException(file, "unexpected bytes after the end marker");
    }
    IdTable table;
    try {
      table = IdTable.of(ids);
    } catch (IllegalArgumentException e) {
      throw new IndexFileException(file, e.getMessage(), e);
    }
    if (!build) {
      return null;
    }
    HnswParameters parameters = new HnswParameters(m, beamWidth, efSearch, seed);
    HnswGraphState state =
        nodes == 0
            ? HnswGraphState.create(vectors, parameters)
            : HnswGraphState.restore(vectors, graph, m, beamWidth, seed);
    return new HnswItemIndex(
        state,
        IntChunks.of(nodeToRow),
        IntChunks.of(rowToNode),
        table,
        TextFingerprints.of(texts),
        fingerprint,
        parameters);
  }

  private StoredGraph readGraph(int nodes, int levels, int entry, int m) throws IOException {
    int[][] levelNodes = new int[levels][];
    int[][] offsets = new int[levels][];
    int[][] links = new int[levels][];
    for (int level = 0; level < levels; level++) {
      int maxDegree = level == 0 ? 2 * m + 1 : m + 1;
      int count = range(int32(), level == 0 ? nodes : 1, nodes, "nodes on level " + level);
      int[] onLevel = null;
      if (level > 0) {
        onLevel = new int[count];
        for (int i = 0; i < count; i++) {
          onLevel[i] = range(int32(), 0, nodes - 1, "node on level " + level);
          if (i > 0 && onLevel[i] <= onLevel[i - 1]) {
            throw new IndexFileException(file, "nodes of level " + level + " are not ascending");
          }
          if (level > 1 && Arrays.binarySearch(levelNodes[level - 1], onLevel[i]) < 0) {
            throw new IndexFileException(
                file, "node " + onLevel[i] + " is on level " + level + " but not below it");
          }
        }
      }
      int[] off = new int[count + 1];
      int[] out = new int[Math.max(16, count * Math.min(maxDegree, 8))];
      int used = 0;
      for (int i = 0; i < count; i++) {
        int degree = range(int32(), 0, maxDegree, "degree on level " + level);
        if (used + degree > out.length) {
          out = Arrays.copyOf(out, Math.max(used + degree, out.length + (out.length >> 1)));
        }
        for (int j = 0; j < degree; j++) {
          int neighbour = range(int32(), 0, nodes - 1, "neighbour on level " + level);
          if (onLevel != null && Arrays.binarySearch(onLevel, neighbour) < 0) {
            throw new IndexFileException(
                file, "node " + neighbour + " is linked on level " + level + " but not on it");
          }
          out[used++] = neighbour;
        }
        off[i + 1] = used;
      }
      levelNodes[level] = onLevel;
      offsets[level] = off;
      links[level] = out;
    }
    if (levels > 1 && Arrays.binarySearch(levelNodes[levels - 1], entry) < 0) {
      throw new IndexFileException(file, "entry node " + entry + " is not on the top level");
    }
    return new StoredGraph(nodes, entry, levelNodes, offsets, links);
  }

  /** The graph as read, in the shape Lucene copies into its on-heap graph. */
  static final class StoredGraph extends HnswGraph {
    private final int size;
    private final int entry;
    private final int[][] levelNodes;
    private final int[][] offsets;
    private final int[][] links;
    private int cursor;
    private int end;
    private int level;

    StoredGraph(int size, int entry, int[][] levelNodes, int[][] offsets, int[][] links) {
      this.size = size;
      this.entry = entry;
      this.levelNodes = levelNodes;
      this.offsets = offsets;
      this.links = links;
    }

    @Override
    public void seek(int targetLevel, int target) {
      int index = targetLevel == 0 ? target : Arrays.binarySearch(levelNodes[targetLevel], target);
      level = targetLevel;
      cursor = offsets[targetLevel][index];
      end = offsets[targetLevel][index + 1];
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public int nextNeighbor() {
      return cursor < end ? links[level][cursor++] : DocIdSetIterator.NO_MORE_DOCS;
    }

    @Override
    public int numLevels() {
      return levelNodes.length;
    }

    @Override
    public int entryNode() {
      return entry;
    }

    /** The nodes of a level; on the top level the entry node first, so Lucene keeps it. */
    @Override
    public NodesIterator getNodesOnLevel(int targetLevel) {
      if (targetLevel == 0) {
        return new ArrayNodesIterator(size);
      }
      int[] nodes = levelNodes[targetLevel].clone();
      if (targetLevel == levelNodes.length - 1) {
        int at = Arrays.binarySearch(nodes, entry);
        nodes[at] = nodes[0];
        nodes[0] = entry;
      }
      return new ArrayNodesIterator(nodes, nodes.length);
    }
  }

  private void checkSection(String section) throws IOException {
    int actual = (int) crc.getValue();
    readFully(buffer, 4);
    int expected = view.getInt(0);
    crc.reset();
    if (expected != actual) {
      throw new ChecksumMismatchException(
          file, section, HnswIndexFile.hex(expected), HnswIndexFile.hex(actual));
    }
  }

  private int range(int value, int min, int max, String field) throws IndexFileException {
    if (value < min || value > max) {
      throw new IndexFileException(
          file, field + " is " + value + ", expected " + min + " to " + max);
    }
    return value;
  }

  private String utf8(byte[] bytes, String field) throws IndexFileException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IndexFileException(file, field + " is not valid UTF-8", e);
    }
  }

  private byte[] bytes(int n) throws IOException {
    byte[] out = new byte[n];
    readFully(out, n);
    crc.update(out, 0, n);
    return out;
  }

  private int int32() throws IOException {
    readFully(buffer, 4);
    crc.update(buffer, 0, 4);
    return view.getInt(0);
  }

  private long int64() throws IOException {
    readFully(buffer, 8);
    crc.update(buffer, 0, 8);
    return view.getLong(0);
  }

  private void floats(float[] out, int count) throws IOException {
    readFully(buffer, count * 4);
    crc.update(buffer, 0, count * 4);
    view.clear();
    view.asFloatBuffer().get(out, 0, count);
  }

  private void readFully(byte[] into, int n) throws IOException {
    int done = 0;
    while (done < n) {
      int r = in.read(into, done, n - done);
      if (r < 0) {
        throw new EOFException();
      }
      done += r;
    }
  }
}
