package io.recformer.infer.index;

import io.recformer.core.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HNSW index file, format version {@value #VERSION} (docs/formats.md, "HNSW index"). All
 * numbers little-endian; each section is followed by the CRC32C of its bytes:
 *
 * <pre>
 *   header    magic "RFHNW\r\n\u001a", int32 version, int32 dimension, int32 rows, int32 nodes,
 *             int32 M, int32 beamWidth, int32 efSearch, int64 seed, int32 levels, int32 entry node,
 *             int32 fingerprint length, UTF-8 fingerprint
 *   vectors   nodes x dimension float32, normalized, row-major by node
 *   rows      per row: int32 id length, UTF-8 id, int64 text fingerprint, int32 node
 *   nodes     per node: int32 row, or -1 for a retired node (kept as a waypoint)
 *   graph     per level 0..levels-1: int32 node count, the nodes ascending (levels above 0 only),
 *             then per node int32 degree and that many int32 neighbours
 *   end       "HEND"
 * </pre>
 */
final class HnswIndexFile {

  private static final Logger LOG = LoggerFactory.getLogger(HnswIndexFile.class);

  static final int VERSION = 1;
  static final byte[] MAGIC = {'R', 'F', 'H', 'N', 'W', '\r', '\n', 0x1a};
  static final byte[] END = {'H', 'E', 'N', 'D'};
  static final int MAX_DIMENSION = 65_536;
  static final int MAX_FINGERPRINT_BYTES = 65_536;
  static final int MAX_LEVELS = 64;
  private static final int BUFFER_BYTES = 1 << 20;

  private HnswIndexFile() {}

  static void write(Path file, HnswItemIndex index) throws IOException {
    long start = System.nanoTime();
    byte[] fingerprint = index.fingerprint().getBytes(StandardCharsets.UTF_8);
    if (fingerprint.length > MAX_FINGERPRINT_BYTES) {
      throw new IllegalArgumentException(
          "fingerprint is "
              + fingerprint.length
              + " UTF-8 bytes, at most "
              + MAX_FINGERPRINT_BYTES
              + " are allowed");
    }
    HnswParameters p = index.parameters();
    IntChunks nodeToRow = index.nodeToRow();
    int rows = index.size();
    int[] rowToNode = index.rowToNode().toArray();
    long[] texts = index.texts().toArray();
    index
        .state()
        .snapshot(
            graph -> {
              AtomicFiles.write(
                  file,
                  raw -> {
                    Out out = new Out(new BufferedOutputStream(raw, BUFFER_BYTES));
                    int nodes = graph.nodes();
                    int levels = nodes == 0 ? 0 : graph.levels();
                    out.bytes(MAGIC);
                    out.int32(VERSION);
                    out.int32(graph.vectors().dimension());
                    out.int32(rows);
                    out.int32(nodes);
                    out.int32(p.maxConnections());
                    out.int32(p.beamWidth());
                    out.int32(p.efSearch());
                    out.int64(p.seed());
                    out.int32(levels);
                    out.int32(nodes == 0 ? -1 : graph.entryNode());
                    out.int32(fingerprint.length);
                    out.bytes(fingerprint);
                    out.endSection();
                    NodeVectors vectors = graph.vectors();
                    int dim = vectors.dimension();
                    for (int node = 0; node < nodes; node++) {
                      out.floats(vectors.chunk(node), vectors.offset(node), dim);
                    }
                    out.endSection();
                    for (int row = 0; row < rows; row++) {
                      byte[] id = index.itemId(row).getBytes(StandardCharsets.UTF_8);
                      out.int32(id.length);
                      out.bytes(id);
                      out.int64(texts[row]);
                      out.int32(rowToNode[row]);
                    }
                    out.endSection();
                    for (int node = 0; node < nodes; node++) {
                      out.int32(node < nodeToRow.size() ? nodeToRow.get(node) : -1);
                    }
                    out.endSection();
                    int[] neighbours = new int[2 * p.maxConnections() + 2];
                    for (int level = 0; level < levels; level++) {
                      int[] onLevel = graph.nodesOnLevel(level);
                      out.int32(onLevel.length);
                      if (level > 0) {
                        for (int node : onLevel) {
                          out.int32(node);
                        }
                      }
                      for (int node : onLevel) {
                        int degree = graph.neighbours(level, node, neighbours);
                        out.int32(degree);
                        for (int i = 0; i < degree; i++) {
                          out.int32(neighbours[i]);
                        }
                      }
                    }
                    out.endSection();
                    out.bytes(END);
                    out.flush();
                  });
              return null;
            });
    LOG.info(
        "saved HNSW index {} ({} items) in {} ms",
        file,
        rows,
        (System.nanoTime() - start) / 1_000_000);
  }

  static HnswItemIndex read(Path file, String expectedFingerprint) throws IOException {
    return HnswIndexReader.read(file, expectedFingerprint, true);
  }

  static void verify(Path file) throws IOException {
    HnswIndexReader.read(file, null, false);
  }

  /** Little-endian output with a running CRC32C per section. */
  private static final class Out {
    private final OutputStream out;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer scratch =
        ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);

    Out(OutputStream out) {
      this.out = out;
    }

    void bytes(byte[] b) throws IOException {
      drain();
      crc.update(b);
      out.write(b);
    }

    void int32(int v) throws IOException {
      ensure(4);
      scratch.putInt(v);
    }

    void int64(long v) throws IOException {
      ensure(8);
      scratch.putLong(v);
    }

    void floats(float[] a, int offset, int count) throws IOException {
      for (int i = 0; i < count; i++) {
        ensure(4);
        scratch.putFloat(a[offset + i]);
      }
    }

    /** Writes the CRC32C of the section so far (not itself checksummed) and starts the next. */
    void endSection() throws IOException {
      drain();
      byte[] value =
          ByteBuffer.allocate(4)
              .order(ByteOrder.LITTLE_ENDIAN)
              .putInt((int) crc.getValue())
              .array();
      out.write(value);
      crc.reset();
    }

    void flush() throws IOException {
      drain();
      out.flush();
    }

    private void ensure(int bytes) throws IOException {
      if (scratch.remaining() < bytes) {
        drain();
      }
    }

    private void drain() throws IOException {
      if (scratch.position() > 0) {
        byte[] a = scratch.array();
        crc.update(a, 0, scratch.position());
        out.write(a, 0, scratch.position());
        scratch.clear();
      }
    }
  }

  static String hex(int crc) {
    return String.format(Locale.ROOT, "%08x", crc);
  }
}
