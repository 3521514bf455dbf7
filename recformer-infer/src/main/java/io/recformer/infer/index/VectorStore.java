package io.recformer.infer.index;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The normalized vectors of an index, row after row, in one or more segments. A segment is a
 * contiguous run of rows held either in a heap {@code float[]} or in a read-only memory-mapped
 * {@link FloatBuffer}. Segments exist because one Java array or one mapping holds less than 2^31
 * elements or bytes; they also let an index share the (mapped) segments of the index it was derived
 * from when items are added or replaced, instead of copying them.
 *
 * <p>Immutable; the scan reads it through {@link #block} from any number of threads.
 */
final class VectorStore {

  private static final Logger LOG = LoggerFactory.getLogger(VectorStore.class);

  /** Upper bound of one heap segment, in floats (a Java array holds slightly less than 2^31). */
  static final long MAX_HEAP_SEGMENT_FLOATS = Integer.MAX_VALUE - 64L;

  /** Upper bound of one mapped segment, in bytes (a MappedByteBuffer holds less than 2^31). */
  static final long MAX_MAPPED_SEGMENT_BYTES = Integer.MAX_VALUE & ~63L;

  /** Beyond this many segments the next derived store is compacted into heap segments. */
  static final int MAX_SEGMENTS = 512;

  /**
   * A contiguous run of rows. Exactly one of {@code array} and {@code buffer} is non-null; {@code
   * bytes} is the little-endian byte view of {@code buffer}, read in place by kernels that can.
   */
  static final class Segment {
    final int rows;
    final float[] array;
    final int arrayOffset;
    final FloatBuffer buffer;
    final ByteBuffer bytes;

    private Segment(int rows, float[] array, int arrayOffset, ByteBuffer bytes) {
      this.rows = rows;
      this.array = array;
      this.arrayOffset = arrayOffset;
      this.bytes = bytes;
      this.buffer = bytes == null ? null : bytes.asFloatBuffer();
    }

    static Segment heap(float[] array, int offset, int rows) {
      return new Segment(rows, array, offset, null);
    }

    /** {@code bytes} starts at the segment's first row and holds exactly its rows. */
    static Segment mapped(ByteBuffer bytes, int rows) {
      return new Segment(rows, null, 0, bytes.slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    boolean isMapped() {
      return buffer != null;
    }

    /** The rows {@code [from, from + count)} of this segment, sharing storage. */
    Segment slice(int from, int count, int dimension) {
      if (buffer != null) {
        return mapped(
            bytes.slice(from * dimension * Float.BYTES, count * dimension * Float.BYTES), count);
      }
      return heap(array, arrayOffset + from * dimension, count);
    }
  }

  /** Where {@link #block} put the requested rows: {@code data[offset ...]}. */
  static final class BlockView {
    float[] data;
    int offset;
    final float[] scratch;

    BlockView(int capacityFloats) {
      this.scratch = new float[capacityFloats];
    }
  }

  private final int dimension;
  private final Segment[] segments;

  /**
   * {@code starts[i]} is the first row of segment i; {@code starts[segments.length]} is the size.
   */
  private final int[] starts;

  VectorStore(int dimension, List<Segment> segments) {
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be > 0, was " + dimension);
    }
    this.dimension = dimension;
    List<Segment> nonEmpty = new ArrayList<>();
    for (Segment s : segments) {
      if (s.rows > 0) {
        nonEmpty.add(s);
      }
    }
    this.segments = nonEmpty.toArray(new Segment[0]);
    this.starts = new int[this.segments.length + 1];
    long total = 0;
    for (int i = 0; i < this.segments.length; i++) {
      starts[i] = (int) total;
      total += this.segments[i].rows;
      if (total > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "an index holds at most " + Integer.MAX_VALUE + " rows, got " + total);
      }
    }
    starts[this.segments.length] = (int) total;
  }

  /** Heap segments holding {@code rows} rows of {@code flat} (taken over, not copied). */
  static VectorStore ofHeap(float[] flat, int rows, int dimension, long maxSegmentFloats) {
    List<Segment> list = new ArrayList<>();
    int rowsPerSegment = rowsPerSegment(dimension, maxSegmentFloats);
    if (rows <= rowsPerSegment) {
      list.add(Segment.heap(flat, 0, rows));
    } else {
      for (int start = 0; start < rows; start += rowsPerSegment) {
        int n = Math.min(rowsPerSegment, rows - start);
        list.add(
            Segment.heap(
                Arrays.copyOfRange(flat, start * dimension, (start + n) * dimension), 0, n));
      }
    }
    return new VectorStore(dimension, list);
  }

  static int rowsPerSegment(int dimension, long maxSegmentFloats) {
    long rows = maxSegmentFloats / dimension;
    if (rows < 1) {
      throw new IllegalArgumentException(
          "a segment of "
              + maxSegmentFloats
              + " floats cannot hold one row of dimension "
              + dimension);
    }
    return (int) Math.min(rows, Integer.MAX_VALUE);
  }

  int dimension() {
    return dimension;
  }

  int size() {
    return starts[segments.length];
  }

  int segmentCount() {
    return segments.length;
  }

  Segment segment(int index) {
    return segments[index];
  }

  int segmentStart(int index) {
    return starts[index];
  }

  boolean isMapped() {
    for (Segment s : segments) {
      if (s.isMapped()) {
        return true;
      }
    }
    return false;
  }

  /** Index of the segment holding {@code row}. */
  int segmentOf(int row) {
    int i = Arrays.binarySearch(starts, 0, segments.length, row);
    return i >= 0 ? i : -i - 2;
  }

  /**
   * Makes rows {@code [row, row + count)} of segment {@code seg} readable as {@code view.data} from
   * {@code view.offset}: heap segments are returned in place, mapped ones are copied into the
   * view's scratch array (a bulk copy; the block then sits in cache for the dot products).
   */
  void block(int seg, int row, int count, BlockView view) {
    Segment s = segments[seg];
    int local = row - starts[seg];
    if (s.array != null) {
      view.data = s.array;
      view.offset = s.arrayOffset + local * dimension;
    } else {
      s.buffer.get(local * dimension, view.scratch, 0, count * dimension);
      view.data = view.scratch;
      view.offset = 0;
    }
  }

  /** Copy of one row. */
  float[] row(int row) {
    int seg = segmentOf(row);
    Segment s = segments[seg];
    int local = row - starts[seg];
    float[] out = new float[dimension];
    if (s.array != null) {
      System.arraycopy(s.array, s.arrayOffset + local * dimension, out, 0, dimension);
    } else {
      s.buffer.get(local * dimension, out, 0, dimension);
    }
    return out;
  }

  /** This store followed by {@code rows} rows of {@code flat} (taken over). */
  VectorStore appended(float[] flat, int rows) {
    List<Segment> list = new ArrayList<>(Arrays.asList(segments));
    list.addAll(ofHeap(flat, rows, dimension, MAX_HEAP_SEGMENT_FLOATS).segmentList());
    return new VectorStore(dimension, list).compactIfFragmented();
  }

  /**
   * This store with the given rows replaced by new vectors. Untouched rows keep sharing the
   * existing segments: the segment holding a replaced row is split around it.
   */
  VectorStore replaced(int[] rows, float[][] vectors) {
    List<Segment> list = new ArrayList<>(Arrays.asList(segments));
    for (int i = 0; i < rows.length; i++) {
      int row = rows[i];
      // Find the segment in the current list (it changes as rows are split off).
      int seg = 0;
      long start = 0;
      while (start + list.get(seg).rows <= row) {
        start += list.get(seg).rows;
        seg++;
      }
      Segment s = list.get(seg);
      int local = (int) (row - start);
      List<Segment> parts = new ArrayList<>(3);
      parts.add(s.slice(0, local, dimension));
      parts.add(Segment.heap(vectors[i].clone(), 0, 1));
      parts.add(s.slice(local + 1, s.rows - local - 1, dimension));
      list.remove(seg);
      list.addAll(seg, parts);
    }
    return new VectorStore(dimension, list).compactIfFragmented();
  }

  private List<Segment> segmentList() {
    return Arrays.asList(segments);
  }

  /**
   * Past {@link #MAX_SEGMENTS} segments, merges every run of adjacent heap segments into one (up to
   * the heap segment limit). Mapped segments are kept as they are: materializing a mapped base in
   * the heap (1.5 GB at 1M x 384) to tidy up a few cold-start rows would defeat the mapping. The
   * copy is of the added rows only; if the store is still fragmented (many single-row replacements
   * inside a mapped segment), it stays so and is logged: save and reopen the index to compact it.
   */
  private VectorStore compactIfFragmented() {
    if (segments.length <= MAX_SEGMENTS) {
      return this;
    }
    List<Segment> merged = new ArrayList<>();
    int rowsPerSegment = rowsPerSegment(dimension, MAX_HEAP_SEGMENT_FLOATS);
    int i = 0;
    while (i < segments.length) {
      if (segments[i].isMapped()) {
        merged.add(segments[i++]);
        continue;
      }
      int runStart = i;
      long rows = 0;
      while (i < segments.length
          && !segments[i].isMapped()
          && rows + segments[i].rows <= rowsPerSegment) {
        rows += segments[i].rows;
        i++;
      }
      if (i == runStart) { // one heap segment larger than a merged one may be: keep it
        merged.add(segments[i++]);
        continue;
      }
      if (i - runStart == 1) {
        merged.add(segments[runStart]);
        continue;
      }
      float[] data = new float[Math.toIntExact(rows * dimension)];
      copyRows(starts[runStart], (int) rows, data, 0);
      merged.add(Segment.heap(data, 0, (int) rows));
    }
    VectorStore compacted = new VectorStore(dimension, merged);
    if (compacted.segmentCount() > MAX_SEGMENTS) {
      LOG.warn(
          "index vectors are in {} segments after merging the heap ones (replaced rows of a mapped"
              + " index); save and reopen the index to compact them",
          compacted.segmentCount());
    }
    return compacted;
  }

  /** Copies rows {@code [from, from + count)} into {@code dst} starting at {@code dstOffset}. */
  void copyRows(int from, int count, float[] dst, int dstOffset) {
    int row = from;
    int end = from + count;
    int out = dstOffset;
    while (row < end) {
      int seg = segmentOf(row);
      Segment s = segments[seg];
      int local = row - starts[seg];
      int n = Math.min(end - row, s.rows - local);
      if (s.array != null) {
        System.arraycopy(s.array, s.arrayOffset + local * dimension, dst, out, n * dimension);
      } else {
        s.buffer.get(local * dimension, dst, out, n * dimension);
      }
      row += n;
      out += n * dimension;
    }
  }
}
