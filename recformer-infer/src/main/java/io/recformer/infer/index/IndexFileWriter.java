package io.recformer.infer.index;

import io.recformer.core.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the item index file, format version {@value IndexLayout#VERSION} (docs/formats.md, "Item
 * index"), streaming the vectors so that a mapped index is saved without a heap copy. All numbers
 * little-endian:
 *
 * <pre>
 *   0  8 bytes  magic "RFIDX\r\n\u001a"
 *   8  int32    format version (2)
 *  12  int32    dimension
 *  16  int64    count
 *  24  int64    vectors offset (multiple of 64)
 *  32  int64    ids offset (= vectors offset + count * dimension * 4)
 *  40  int64    ids length in bytes
 *  48  int32    fingerprint length in bytes
 *  52  UTF-8    fingerprint, then zero padding up to the vectors offset
 *      float32  count * dimension normalized vectors, row-major
 *      ids      count times (int32 length, UTF-8 bytes)
 *      int64    count text fingerprints (0 = unknown)
 *      trailer  int32 CRC32C of header incl. padding, vectors, ids and text fingerprints, then the
 *               4 bytes end marker "IEND"
 * </pre>
 */
final class IndexFileWriter {

  private static final Logger LOG = LoggerFactory.getLogger(IndexFileWriter.class);
  private static final int CHUNK_BYTES = 1 << 20;

  private IndexFileWriter() {}

  static void write(Path file, ExactItemIndex index) throws IOException {
    long start = System.nanoTime();
    byte[] fingerprint = index.fingerprint().getBytes(StandardCharsets.UTF_8);
    if (fingerprint.length > IndexLayout.MAX_FINGERPRINT_BYTES) {
      throw new IllegalArgumentException(
          "fingerprint is "
              + fingerprint.length
              + " UTF-8 bytes, at most "
              + IndexLayout.MAX_FINGERPRINT_BYTES
              + " are allowed");
    }
    VectorStore store = index.store();
    int dim = store.dimension();
    if (dim > IndexLayout.MAX_DIMENSION) {
      throw new IllegalArgumentException(
          "the index file holds vectors of at most "
              + IndexLayout.MAX_DIMENSION
              + " dimensions, this index has "
              + dim);
    }
    long count = store.size();
    byte[] ids = encodeIds(index.ids());
    byte[] texts = encodeTexts(index.texts());
    long vectorsOffset = IndexLayout.align(IndexLayout.FIXED_HEADER + fingerprint.length);
    long idsOffset = vectorsOffset + count * dim * Float.BYTES;

    ByteBuffer header = ByteBuffer.allocate((int) vectorsOffset).order(ByteOrder.LITTLE_ENDIAN);
    header
        .put(IndexLayout.MAGIC)
        .putInt(IndexLayout.VERSION)
        .putInt(dim)
        .putLong(count)
        .putLong(vectorsOffset)
        .putLong(idsOffset)
        .putLong(ids.length)
        .putInt(fingerprint.length)
        .put(fingerprint);
    CRC32C headerCrc = new CRC32C();
    headerCrc.update(header.array());
    CRC32C idsCrc = new CRC32C();
    idsCrc.update(ids);
    CRC32C textsCrc = new CRC32C();
    textsCrc.update(texts);

    AtomicFiles.write(
        file,
        raw -> {
          OutputStream out = new BufferedOutputStream(raw, CHUNK_BYTES);
          out.write(header.array());
          int vectorsCrc = writeVectors(store, out);
          out.write(ids);
          out.write(texts);
          ByteBuffer trailer =
              ByteBuffer.allocate(IndexLayout.trailerBytes(IndexLayout.VERSION))
                  .order(ByteOrder.LITTLE_ENDIAN);
          trailer
              .putInt((int) headerCrc.getValue())
              .putInt(vectorsCrc)
              .putInt((int) idsCrc.getValue())
              .putInt((int) textsCrc.getValue())
              .put(IndexLayout.END);
          out.write(trailer.array());
          out.flush();
        });
    LOG.info(
        "wrote item index {} ({} items x {} dims, {} MB) in {} ms",
        file,
        count,
        dim,
        (idsOffset + ids.length + texts.length) >> 20,
        (System.nanoTime() - start) / 1_000_000);
  }

  /** Streams the vectors a chunk at a time; returns their CRC32C. */
  private static int writeVectors(VectorStore store, OutputStream out) throws IOException {
    int dim = store.dimension();
    long count = store.size();
    CRC32C vectorsCrc = new CRC32C();
    ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer floats = chunk.asFloatBuffer();
    float[] rowBuffer = new float[Math.max(dim, CHUNK_BYTES / Float.BYTES / dim * dim)];
    int rowsPerChunk = rowBuffer.length / dim;
    for (int row = 0; row < count; ) {
      int n = (int) Math.min(rowsPerChunk, count - row);
      store.copyRows(row, n, rowBuffer, 0);
      int bytes = n * dim * Float.BYTES;
      boolean fitsChunk = bytes <= CHUNK_BYTES;
      ByteBuffer target =
          fitsChunk ? chunk : ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
      FloatBuffer view = fitsChunk ? floats : target.asFloatBuffer();
      view.clear();
      view.put(rowBuffer, 0, n * dim);
      out.write(target.array(), 0, bytes);
      vectorsCrc.update(target.array(), 0, bytes);
      row += n;
    }
    return (int) vectorsCrc.getValue();
  }

  private static byte[] encodeIds(IdTable ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(32, ids.size() * 16));
    byte[] length = new byte[4];
    ByteBuffer lengthBuffer = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN);
    for (int row = 0; row < ids.size(); row++) {
      byte[] utf8 = ids.id(row).getBytes(StandardCharsets.UTF_8);
      lengthBuffer.putInt(0, utf8.length);
      out.write(length, 0, 4);
      out.write(utf8, 0, utf8.length);
    }
    return out.toByteArray();
  }

  private static byte[] encodeTexts(TextFingerprints texts) {
    ByteBuffer out =
        ByteBuffer.allocate(Math.multiplyExact(texts.size(), Long.BYTES))
            .order(ByteOrder.LITTLE_ENDIAN);
    for (int row = 0; row < texts.size(); row++) {
      out.putLong(texts.get(row));
    }
    return out.array();
  }
}
