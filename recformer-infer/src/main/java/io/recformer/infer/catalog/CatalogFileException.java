package io.recformer.infer.catalog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A file of a catalog directory that cannot be used: truncated, corrupted (a checksum mismatch
 * names the section and both checksums), of an unknown format version, or inconsistent with the
 * other files. The message starts with the kind of file and its path, e.g. "item file
 * /srv/catalog/items-3.rfitems: checksum mismatch in record 17: expected 0c1d2e3f, actual 44556677;
 * the file is corrupted".
 */
public class CatalogFileException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public CatalogFileException(String kind, Path file, String problem) {
    super(kind + " " + file + ": " + problem);
    this.file = file;
  }

  public CatalogFileException(String kind, Path file, String problem, Throwable cause) {
    super(kind + " " + file + ": " + problem, cause);
    this.file = file;
  }

  /** The file that could not be used. */
  public Path file() {
    return file;
  }

  static String crcHex(int value) {
    return String.format(Locale.ROOT, "%08x", value);
  }

  static CatalogFileException checksum(
      String kind, Path file, String section, int expected, int actual) {
    return new CatalogFileException(
        kind,
        file,
        "checksum mismatch in "
            + section
            + ": expected "
            + crcHex(expected)
            + ", actual "
            + crcHex(actual)
            + "; the file is corrupted");
  }
}
