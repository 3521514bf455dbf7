package io.recformer.data.source;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

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
   * The whole content decoded as strict UTF-8. Meant for the small whole-document formats; large
   * line formats go through {@link LineSource}. Fails naming the line of the first invalid byte.
   */
  public static String readString(Path file) throws IOException {
    byte[] bytes;
    try (InputStream in = open(file)) {
      bytes = in.readAllBytes();
    } catch (EOFException | ZipException e) {
      throw new DataFormatException(
          file,
          0,
          null,
          "truncated-gzip",
          "gzip stream ends early or is corrupt (" + e.getMessage() + "); is the file cut short?",
          e);
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    var result = decoder.decode(in, out, true);
    if (result.isError()) {
      int position = in.position();
      long line = 1;
      for (int i = 0; i < position; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw new DataFormatException(
          file,
          line,
          null,
          "invalid-utf8",
          "invalid UTF-8 byte 0x"
              + String.format(Locale.ROOT, "%02x", bytes[position] & 0xff)
              + " at byte offset "
              + position
              + "; expected UTF-8 text");
    }
    decoder.flush(out);
    out.flip();
    String text = out.toString();
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
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
