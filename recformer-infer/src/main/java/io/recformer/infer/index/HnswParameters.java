package io.recformer.infer.index;

/**
 * How an {@link HnswItemIndex} builds and searches its graph (Malkov and Yashunin, "Efficient and
 * robust approximate nearest neighbor search using Hierarchical Navigable Small World graphs",
 * 2018; section 4 names the parameters). Start from {@link #DEFAULTS}.
 *
 * @param maxConnections M: neighbours kept per node on the upper layers (2M on the bottom layer).
 *     Higher raises recall at a given {@code efSearch} and helps data of high intrinsic dimension,
 *     at the cost of memory (about 8 bytes per link, 2M links per node on the bottom layer), build
 *     time and a little query time. Typical: 16 (8-64). 2..512.
 * @param beamWidth efConstruction: candidates considered when a node is inserted. Higher builds a
 *     better graph (higher recall at the same {@code efSearch}) at a build time roughly linear in
 *     it; it does not change the index size. Typical: 100 (64-512). Must be >= {@code
 *     maxConnections}; at most 4096.
 * @param efSearch candidates kept while searching (the query-time beam); a query for K items uses
 *     {@code max(efSearch, K)}. The main recall / latency knob: query time grows about linearly in
 *     it, recall approaches the exact result. Changeable after the build ({@link
 *     HnswItemIndex#withEfSearch}). Typical: 100-200 for Recall@10 >= 0.95. 1..100000.
 * @param seed seeds the random layer assignment of nodes, so that a build is reproducible.
 */
public record HnswParameters(int maxConnections, int beamWidth, int efSearch, long seed) {

  /** M = 16, beamWidth = 100, efSearch = 100, seed 42. */
  public static final HnswParameters DEFAULTS = new HnswParameters(16, 100, 100, 42L);

  static final int MAX_CONNECTIONS = 512;
  static final int MAX_BEAM_WIDTH = 4096;
  static final int MAX_EF_SEARCH = 100_000;

  public HnswParameters {
    if (maxConnections < 2 || maxConnections > MAX_CONNECTIONS) {
      throw new IllegalArgumentException(
          "maxConnections (M) must be in [2, " + MAX_CONNECTIONS + "], was " + maxConnections);
    }
    if (beamWidth < maxConnections || beamWidth > MAX_BEAM_WIDTH) {
      throw new IllegalArgumentException(
          "beamWidth (efConstruction) must be in [maxConnections = "
              + maxConnections
              + ", "
              + MAX_BEAM_WIDTH
              + "], was "
              + beamWidth);
    }
    if (efSearch < 1 || efSearch > MAX_EF_SEARCH) {
      throw new IllegalArgumentException(
          "efSearch must be in [1, " + MAX_EF_SEARCH + "], was " + efSearch);
    }
  }

  public HnswParameters withMaxConnections(int m) {
    return new HnswParameters(m, beamWidth, efSearch, seed);
  }

  public HnswParameters withBeamWidth(int width) {
    return new HnswParameters(maxConnections, width, efSearch, seed);
  }

  public HnswParameters withEfSearch(int ef) {
    return new HnswParameters(maxConnections, beamWidth, ef, seed);
  }

  public HnswParameters withSeed(long value) {
    return new HnswParameters(maxConnections, beamWidth, efSearch, value);
  }
}
