package io.recformer.data.importer;

import java.io.IOException;
import java.nio.file.Path;

/** Imports one source format from a directory holding its files. */
public interface Importer {

  /** The format's name, as recorded in the dataset provenance. */
  String format();

  /** True when {@code directory} holds the files this importer reads. */
  boolean accepts(Path directory) throws IOException;

  /**
   * Imports the directory's files. Strict mode fails on the first bad line with a {@link
   * io.recformer.data.source.DataFormatException} naming file, line and field; lenient mode skips
   * and counts bad lines in the {@link ImportReport}.
   */
  ImportResult importFrom(Path directory, ImportOptions options) throws IOException;
}
