package io.recformer.infer.index;

/**
 * How a saved index (or a catalog directory holding one) is checked and held when it is opened.
 *
 * @param expectedFingerprint the fingerprint of the model the caller will query with; the file is
 *     refused when it was built by another one. Null accepts any.
 * @param verify whether to read every vector to verify its checksum before the open returns (about
 *     a second per GB). The header, ids and text fingerprints are always verified, and the file
 *     structure and sizes always checked; skipping this opens a huge file instantly at the cost of
 *     not detecting bit rot in the vectors until a later {@code verify} (the recommender runs one
 *     in the background after a fast open).
 * @param vectorsInHeap whether to read the vectors into the Java heap instead of memory-mapping the
 *     file. Mapping (the default) opens instantly and needs no heap, so an index larger than the
 *     heap can be served, and several processes share one copy in the page cache. Reading costs a
 *     pass over the file at open (about 0.5-1 s per GB) and heap for the whole matrix, but scans
 *     then run at the heap index's steady speed: on the (loaded) benchmark machine, scanning a
 *     mapped matrix intermittently cost 2-14x the CPU time of the same matrix in process-owned
 *     memory (docs/benchmarks.md, "Item index"). Typical: true for latency-critical serving when
 *     the heap allows it.
 */
public record OpenOptions(String expectedFingerprint, boolean verify, boolean vectorsInHeap) {

  /** Any fingerprint, full verification, vectors mapped. */
  public static final OpenOptions DEFAULTS = new OpenOptions(null, true, false);

  public OpenOptions withExpectedFingerprint(String fingerprint) {
    return new OpenOptions(fingerprint, verify, vectorsInHeap);
  }

  /** With {@code true}, every checksum is verified before the open returns. */
  public OpenOptions withVerify(boolean verifyAll) {
    return new OpenOptions(expectedFingerprint, verifyAll, vectorsInHeap);
  }

  public OpenOptions withVectorsInHeap(boolean inHeap) {
    return new OpenOptions(expectedFingerprint, verify, inHeap);
  }
}
