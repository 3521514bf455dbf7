package io.recformer.infer.index;

import java.nio.file.Path;

/**
 * A section of an item index file whose bytes do not match the checksum stored for them: the file
 * was damaged after it was written (bit rot, a partial copy, a stray write). The message names the
 * file, the section and both checksums, e.g. "item index /srv/items.rfidx: checksum mismatch in the
 * vectors section: expected 1c2f5a07, actual 9e01b2c4; the file is corrupted".
 */
public final class ChecksumMismatchException extends IndexFileException {

  private static final long serialVersionUID = 1L;

  private final String section;
  private final String expected;
  private final String actual;

  public ChecksumMismatchException(Path file, String section, String expected, String actual) {
    super(
        file,
        "checksum mismatch in the "
            + section
            + " section: expected "
            + expected
            + ", actual "
            + actual
            + "; the file is corrupted");
    this.section = section;
    this.expected = expected;
    this.actual = actual;
  }

  /** The damaged section: "header", "vectors", "ids", "text fingerprints", ... */
  public String section() {
    return section;
  }

  /** The checksum stored in the file (hex). */
  public String expected() {
    return expected;
  }

  /** The checksum of the bytes as read (hex). */
  public String actual() {
    return actual;
  }
}
