package io.recformer.infer.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.InitializedHnswGraphBuilder;
import org.apache.lucene.util.hnsw.NeighborArray;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mutable part shared by an {@link HnswItemIndex} and every index derived from it by {@link
 * HnswItemIndex#add}: the node vectors and Lucene's on-heap graph with the builder that inserts new
 * nodes. Nodes are only ever appended; which nodes an index instance may return is decided by that
 * instance's own node-to-row table, so an instance never sees items added after it was created.
 *
 * <p>Lucene's graph is not safe to read while a node is inserted (neighbour arrays are rewritten in
 * place), so searches hold the read lock and insertions the write lock; an insertion of a few
 * cold-start items holds it for milliseconds.
 */
final class HnswGraphState {

  private static final Logger LOG = LoggerFactory.getLogger(HnswGraphState.class);

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final NodeVectors vectors;
  private final HnswGraphBuilder builder;
  private final OnHeapHnswGraph graph;
  private final int maxConnections;
  private final int beamWidth;
  private final long seed;

  private HnswGraphState(
      NodeVectors vectors, HnswGraphBuilder builder, int maxConnections, int beamWidth, long seed) {
    this.vectors = vectors;
    this.builder = builder;
    this.graph = builder.getGraph();
    this.maxConnections = maxConnections;
    this.beamWidth = beamWidth;
    this.seed = seed;
  }

  /** An empty graph over {@code vectors} (which may already hold nodes: insert them with add). */
  static HnswGraphState create(NodeVectors vectors, HnswParameters parameters) {
    try {
      HnswGraphBuilder builder =
          HnswGraphBuilder.create(
              vectors.scorerSupplier(),
              parameters.maxConnections(),
              parameters.beamWidth(),
              parameters.seed());
      return new HnswGraphState(
          vectors, builder, parameters.maxConnections(), parameters.beamWidth(), parameters.seed());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A graph holding the links of {@code stored} (read from a file) for the nodes of {@code
   * vectors}, to which further nodes can be added. The seed of the restored builder is derived from
   * the saved seed and the node count, so reopening and adding is reproducible.
   */
  static HnswGraphState restore(
      NodeVectors vectors, HnswGraph stored, int maxConnections, int beamWidth, long seed)
      throws IOException {
    int[] identity = new int[vectors.size()];
    for (int i = 0; i < identity.length; i++) {
      identity[i] = i;
    }
    // -1: a graph that may grow (a fixed size would refuse cold-start additions).
    OnHeapHnswGraph graph =
        InitializedHnswGraphBuilder.initGraph(maxConnections, stored, identity, -1);
    long builderSeed = seed * 31 + vectors.size();
    return new HnswGraphState(
        vectors,
        new GrowableGraphBuilder(vectors, maxConnections, beamWidth, builderSeed, graph),
        maxConnections,
        beamWidth,
        seed);
  }

  /** Lucene's builder over an existing graph (its constructor for that is protected). */
  private static final class GrowableGraphBuilder extends HnswGraphBuilder {
    GrowableGraphBuilder(
        NodeVectors vectors, int m, int beamWidth, long seed, OnHeapHnswGraph graph)
        throws IOException {
      super(vectors.scorerSupplier(), m, beamWidth, seed, graph);
    }
  }

  int dimension() {
    return vectors.dimension();
  }

  int maxConnections() {
    return maxConnections;
  }

  int beamWidth() {
    return beamWidth;
  }

  long seed() {
    return seed;
  }

  /**
   * Appends {@code count} normalized vectors from {@code flat} as new nodes and links them into the
   * graph; returns the first new node. Callers serialize additions.
   */
  int add(float[] flat, int count) {
    lock.writeLock().lock();
    try {
      int first = vectors.append(flat, 0, count);
      insert(first, first + count);
      return first;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Links the nodes {@code [from, to)}, already in the vectors, into the graph. */
  void insert(int from, int to) {
    lock.writeLock().lock();
    try {
      long start = System.nanoTime();
      for (int node = from; node < to; node++) {
        builder.addGraphNode(node);
        if ((node + 1 - from) % 100_000 == 0) {
          LOG.info(
              "HNSW graph: inserted {} of {} nodes in {} s",
              node + 1 - from,
              to - from,
              (System.nanoTime() - start) / 1_000_000_000);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Number of nodes in the graph (every instance's nodes and any added after them). */
  int nodeCount() {
    lock.readLock().lock();
    try {
      return vectors.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A copy of the vector of {@code node}. */
  float[] vector(int node) {
    lock.readLock().lock();
    try {
      return vectors.copy(node);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** {@code query . vector(node)} with the scan's kernel. */
  float score(float[] query, int node) {
    lock.readLock().lock();
    try {
      return vectors.dot(query, node);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The best {@code ef} accepted nodes found by a graph search from the entry point; {@code accept}
   * decides which visited nodes may be collected (the others are still traversed).
   */
  TopDocs search(float[] query, int ef, Bits accept) {
    lock.readLock().lock();
    try {
      return HnswGraphSearcher.search(vectors.scorer(query), ef, graph, accept, Integer.MAX_VALUE)
          .topDocs();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Scores nodes {@code [0, nodes)} accepted by {@code accept}, keeping the best in the heap. */
  void scan(float[] query, int nodes, Bits accept, NodeSink sink) {
    lock.readLock().lock();
    try {
      for (int node = 0; node < nodes; node++) {
        if (accept.get(node)) {
          sink.accept(node, vectors.dot(query, node));
        }
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Receives (node, score) pairs of a scan. */
  @FunctionalInterface
  interface NodeSink {
    void accept(int node, float score);
  }

  /**
   * Reads a consistent snapshot of the graph (no insertion runs meanwhile; searches do) and hands
   * it to {@code reader}. Serialized with itself: Lucene builds its per-level node lists lazily.
   */
  <T> T snapshot(SnapshotReader<T> reader) throws IOException {
    lock.readLock().lock();
    try {
      synchronized (this) {
        return reader.read(new Snapshot());
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Reads a {@link Snapshot}. */
  @FunctionalInterface
  interface SnapshotReader<T> {
    T read(Snapshot snapshot) throws IOException;
  }

  /** The graph and vectors as they are while a {@link #snapshot} runs. */
  final class Snapshot {
    int nodes() {
      return vectors.size();
    }

    int levels() {
      return graph.numLevels();
    }

    int entryNode() {
      return graph.entryNode();
    }

    /** The nodes on {@code level} (all nodes on level 0), ascending. */
    int[] nodesOnLevel(int level) throws IOException {
      return HnswGraph.NodesIterator.getSortedNodes(graph.getNodesOnLevel(level));
    }

    /** The neighbours of {@code node} on {@code level}, as stored (unordered). */
    int neighbours(int level, int node, int[] out) {
      NeighborArray array = graph.getNeighbors(level, node);
      System.arraycopy(array.nodes(), 0, out, 0, array.size());
      return array.size();
    }

    NodeVectors vectors() {
      return vectors;
    }
  }
}
