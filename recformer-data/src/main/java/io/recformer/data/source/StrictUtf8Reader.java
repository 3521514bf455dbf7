package io.recformer.data.source;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipException;

/**
 * A reader that decodes a byte stream as strict UTF-8 in fixed-size chunks, counting lines as it
 * goes so that an invalid byte or a cut gzip stream is reported with its line. {@code
 * InputStreamReader} would replace bad bytes silently and knows no lines.
 */
final class StrictUtf8Reader extends Reader {

  private static final int CHUNK = 1 << 16;

  private final Path file;
  private final InputStream in;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final ByteBuffer bytes = ByteBuffer.allocate(CHUNK);
  private final CharBuffer chars = CharBuffer.allocate(CHUNK);
  private boolean eof;
  private boolean flushed;
  private boolean started;

  /** Line breaks among the bytes decoded so far. */
  private long newlines;

  /** Bytes decoded so far. */
  private long offset;

  StrictUtf8Reader(Path file, InputStream in) {
    this.file = file;
    this.in = in;
    bytes.flip();
    chars.flip();
  }

  @Override
  public int read(char[] target, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (!chars.hasRemaining()) {
      if (flushed) {
        return -1;
      }
      decodeChunk();
    }
    int n = Math.min(len, chars.remaining());
    chars.get(target, off, n);
    return n;
  }

  private void decodeChunk() throws IOException {
    chars.clear();
    while (chars.position() == 0 && !flushed) {
      if (!eof) {
        readBytes();
      }
      int before = bytes.position();
      CoderResult result = decoder.decode(bytes, chars, eof);
      count(before, bytes.position());
      if (result.isError()) {
        throw invalid();
      }
      if (eof && result.isUnderflow()) {
        decoder.flush(chars);
        flushed = true;
      }
    }
    chars.flip();
    if (!started && chars.hasRemaining()) {
      started = true;
      if (chars.get(0) == '\uFEFF') {
        chars.get();
      }
    }
  }

  private void readBytes() throws IOException {
    bytes.compact();
    try {
      int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
      if (n < 0) {
        eof = true;
      } else {
        bytes.position(bytes.position() + n);
      }
    } catch (EOFException | ZipException e) {
      throw SourceFiles.truncated(file, newlines, e);
    } finally {
      bytes.flip();
    }
  }

  private void count(int from, int to) {
    byte[] array = bytes.array();
    for (int i = from; i < to; i++) {
      if (array[i] == '\n') {
        newlines++;
      }
    }
    offset += to - from;
  }

  private DataFormatException invalid() {
    return new DataFormatException(
        file,
        newlines + 1,
        null,
        "invalid-utf8",
        "invalid UTF-8 byte 0x"
            + String.format(Locale.ROOT, "%02x", bytes.get(bytes.position()) & 0xff)
            + " at byte offset "
            + offset
            + "; expected UTF-8 text");
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
