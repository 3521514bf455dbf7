package io.recformer.data.source;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opening input files: gzip is recognised by its magic bytes, not by the file name. */
public final class SourceFiles {

  private SourceFiles() {}

  /** An input stream over the file's content, decompressed when the file is gzip. */
  public static InputStream open(Path file) throws IOException {
    return open(file, null);
  }

  /**
   * Like {@link #open(Path)}, counting the bytes read from disk (compressed bytes for gzip) into
   * {@code counter} so progress can be reported against the file size.
   */
  public static InputStream open(Path file, long[] counter) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "not a regular file");
    }
    InputStream disk = Files.newInputStream(file);
    if (counter != null) {
      disk = new CountingStream(disk, counter);
    }
    InputStream raw = new BufferedInputStream(disk, 1 << 16);
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      try {
        return new GZIPInputStream(raw, 1 << 16);
      } catch (IOException e) {
        raw.close();
        throw new DataFormatException(
            file, 0, null, "bad-gzip", "gzip header is unreadable: " + e.getMessage(), e);
      }
    }
    return raw;
  }

  /** True when the file starts with the gzip magic bytes. */
  public static boolean isGzip(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  /**
   * The content as characters, streamed (decompressed when gzip) and decoded as strict UTF-8, a
   * leading byte-order mark dropped. Meant for whole-document formats: memory stays that of the
   * parser, not of the file. An invalid byte fails with a {@link DataFormatException} of reason
   * {@code invalid-utf8} naming its line and byte offset; a gzip stream that ends early, one of
   * reason {@value LineSource#TRUNCATED_GZIP}.
   */
  public static Reader openReader(Path file) throws IOException {
    return new StrictUtf8Reader(file, open(file));
  }

  /** The error for a gzip stream that ends early or is corrupt after {@code completeLines}. */
  static DataFormatException truncated(Path file, long completeLines, IOException cause) {
    return new DataFormatException(
        file,
        completeLines + 1,
        null,
        LineSource.TRUNCATED_GZIP,
        "gzip stream ends early or is corrupt after line "
            + completeLines
            + " ("
            + cause.getMessage()
            + "); is the file cut short?",
        cause);
  }

  /**
   * Strict UTF-8 decoding of a byte range; throws {@link CharacterCodingException} on bad bytes.
   */
  static String decodeStrict(CharsetDecoder decoder, byte[] bytes, int offset, int length)
      throws CharacterCodingException {
    decoder.reset();
    return decoder.decode(ByteBuffer.wrap(bytes, offset, length)).toString();
  }

  private static final class CountingStream extends FilterInputStream {
    private final long[] counter;

    CountingStream(InputStream in, long[] counter) {
      super(in);
      this.counter = counter;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        counter[0]++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        counter[0] += n;
      }
      return n;
    }
  }
}
