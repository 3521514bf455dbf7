package io.recformer.infer.index;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Opens a saved index of either kind: the file's magic bytes say whether it is an exact index
 * ({@code .rfidx}, {@link ExactItemIndex}) or an HNSW index ({@code .rfhnsw}, {@link
 * HnswItemIndex}).
 */
public final class ItemIndexes {

  /** The kinds of saved index, as named in a catalog manifest's {@code indexKind}. */
  public enum Kind {
    /** {@link ExactItemIndex}: compares every item; the default for small catalogs. */
    EXACT,
    /** {@link HnswItemIndex}: approximate graph search for large catalogs. */
    HNSW;

    /** The name used in files and on the command line: "exact" or "hnsw". */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The kind named {@code label}; fails naming the allowed values. */
    public static Kind of(String label) {
      for (Kind kind : values()) {
        if (kind.label().equals(label)) {
          return kind;
        }
      }
      throw new IllegalArgumentException(
          "index kind '" + label + "' is not supported; expected exact or hnsw");
    }

    /** The kind of an index instance. */
    public static Kind of(ItemIndex index) {
      return index instanceof HnswItemIndex ? HNSW : EXACT;
    }
  }

  private ItemIndexes() {}

  /** The kind of the index saved in {@code file}, from its magic bytes. */
  public static Kind kind(Path file) throws IOException {
    byte[] magic = new byte[8];
    int read;
    try (InputStream in = Files.newInputStream(file)) {
      read = in.readNBytes(magic, 0, magic.length);
    }
    if (read == magic.length && Arrays.equals(magic, HnswIndexFile.MAGIC)) {
      return Kind.HNSW;
    }
    return Kind.EXACT; // the exact reader names any other problem
  }

  /** Opens {@code file} with the reader of its kind. */
  public static ItemIndex open(Path file, OpenOptions options) throws IOException {
    return kind(file) == Kind.HNSW
        ? HnswItemIndex.open(file, options)
        : ExactItemIndex.open(file, options);
  }

  /** Checks every byte of {@code file} against its checksums, with the reader of its kind. */
  public static void verify(Path file) throws IOException {
    if (kind(file) == Kind.HNSW) {
      HnswItemIndex.verify(file);
    } else {
      ExactItemIndex.verify(file);
    }
  }
}
