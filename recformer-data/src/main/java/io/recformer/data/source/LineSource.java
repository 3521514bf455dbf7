package io.recformer.data.source;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipException;

/**
 * Streams a text file (plain or gzip) one line at a time with bounded memory. Lines are split on
 * raw bytes and decoded separately with a strict UTF-8 decoder, so an invalid byte costs one line
 * (and is reported with its line number) instead of corrupting the rest of the stream. A line
 * longer than the limit fails without being held: memory stays bounded by the limit even for a file
 * without line breaks.
 */
public final class LineSource implements Closeable {

  /** Reason of a gzip stream that ends early or is corrupt. */
  public static final String TRUNCATED_GZIP = "truncated-gzip";

  /** Reason of a line longer than the limit. */
  public static final String LINE_TOO_LONG = "line-too-long";

  /** The default line-length limit: 64 MiB, far above real data lines (a few KB). */
  public static final long DEFAULT_MAX_LINE_BYTES = 64L << 20;

  /** The largest limit: the largest byte array a JVM can allocate. */
  public static final long MAX_LINE_BYTES_LIMIT = Integer.MAX_VALUE - 8;

  private final Path file;
  private final long maxLineBytes;
  private final InputStream in;
  private final long[] diskBytes = new long[1];
  private final long fileSize;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);

  private byte[] buffer = new byte[1 << 16];
  private int start;
  private int end;
  private boolean eof;
  private byte[] line = new byte[1024];
  private int lineLength;
  private long lineNumber;
  private long decodedBytes;
  private boolean skipping;

  private LineSource(Path file, long maxLineBytes) throws IOException {
    if (maxLineBytes < 1 || maxLineBytes > MAX_LINE_BYTES_LIMIT) {
      throw new IllegalArgumentException(
          "maxLineBytes = " + maxLineBytes + " must be between 1 and " + MAX_LINE_BYTES_LIMIT);
    }
    this.file = file;
    this.maxLineBytes = maxLineBytes;
    this.fileSize = Files.size(file);
    this.in = SourceFiles.open(file, diskBytes);
  }

  /** Opens a file with the default line-length limit ({@link #DEFAULT_MAX_LINE_BYTES}). */
  public static LineSource open(Path file) throws IOException {
    return new LineSource(file, DEFAULT_MAX_LINE_BYTES);
  }

  /** Opens a file whose lines may be at most {@code maxLineBytes} long (without the line end). */
  public static LineSource open(Path file, long maxLineBytes) throws IOException {
    return new LineSource(file, maxLineBytes);
  }

  /**
   * Advances to the next line; false at the end of the file. A final line without a newline counts;
   * a trailing carriage return is dropped. A gzip stream that ends early fails with a {@link
   * DataFormatException} of reason {@value #TRUNCATED_GZIP} naming the last complete line. A line
   * longer than the limit fails with reason {@value #LINE_TOO_LONG}; the source stays usable: the
   * next call skips the rest of that line, streaming, and goes on with the line after it.
   */
  public boolean next() throws IOException {
    if (skipping && !skipRestOfLine()) {
      return false;
    }
    lineLength = 0;
    while (true) {
      if (start == end) {
        if (eof) {
          if (lineLength == 0) {
            return false;
          }
          break;
        }
        fill();
        continue;
      }
      int newline = -1;
      for (int i = start; i < end; i++) {
        if (buffer[i] == '\n') {
          newline = i;
          break;
        }
      }
      int stop = newline < 0 ? end : newline;
      if (lineLength + (long) (stop - start) > maxLineBytes) {
        lineNumber++;
        lineLength = 0;
        start = newline < 0 ? end : newline + 1;
        skipping = newline < 0;
        throw tooLong();
      }
      append(buffer, start, stop - start);
      start = newline < 0 ? end : newline + 1;
      if (newline >= 0) {
        break;
      }
    }
    lineNumber++;
    decodedBytes += lineLength + 1;
    if (lineLength > 0 && line[lineLength - 1] == '\r') {
      lineLength--;
    }
    if (lineNumber == 1
        && lineLength >= 3
        && (line[0] & 0xff) == 0xEF
        && (line[1] & 0xff) == 0xBB
        && (line[2] & 0xff) == 0xBF) {
      System.arraycopy(line, 3, line, 0, lineLength - 3);
      lineLength -= 3;
    }
    return true;
  }

  /** Discards bytes up to and including the next newline; false when the file ends first. */
  private boolean skipRestOfLine() throws IOException {
    while (true) {
      if (start == end) {
        if (eof) {
          skipping = false;
          return false;
        }
        fill();
        continue;
      }
      for (int i = start; i < end; i++) {
        if (buffer[i] == '\n') {
          start = i + 1;
          skipping = false;
          return true;
        }
      }
      start = end;
    }
  }

  private DataFormatException tooLong() {
    return new DataFormatException(
        file,
        lineNumber,
        null,
        LINE_TOO_LONG,
        String.format(
            Locale.ROOT,
            "line is longer than the limit of %d bytes; is the file damaged or without line"
                + " breaks? If the line is genuine, raise the limit with --max-line-bytes"
                + " (ImportOptions.withMaxLineBytes), at most %d",
            maxLineBytes,
            MAX_LINE_BYTES_LIMIT));
  }

  private void fill() throws IOException {
    start = 0;
    int n;
    try {
      n = in.read(buffer, 0, buffer.length);
    } catch (EOFException | ZipException e) {
      throw SourceFiles.truncated(file, lineNumber, e);
    }
    if (n < 0) {
      eof = true;
      end = 0;
    } else {
      end = n;
    }
  }

  private void append(byte[] source, int offset, int length) {
    if (lineLength + length > line.length) {
      // Doubling, but never past the limit: the limit bounds the memory of one line.
      long size = Math.min(Math.max(2L * line.length, (long) lineLength + length), maxLineBytes);
      byte[] grown = new byte[(int) size];
      System.arraycopy(line, 0, grown, 0, lineLength);
      line = grown;
    }
    System.arraycopy(source, offset, line, lineLength, length);
    lineLength += length;
  }

  /** The current line decoded as UTF-8; fails with reason {@code invalid-utf8} naming the line. */
  public String text() throws DataFormatException {
    try {
      return SourceFiles.decodeStrict(decoder, line, 0, lineLength);
    } catch (CharacterCodingException e) {
      int bad = firstInvalidUtf8(line, lineLength);
      throw new DataFormatException(
          file,
          lineNumber,
          null,
          "invalid-utf8",
          "invalid UTF-8 byte 0x"
              + String.format(Locale.ROOT, "%02x", line[Math.max(bad, 0)] & 0xff)
              + " at byte "
              + (bad + 1)
              + " of the line; expected UTF-8 text",
          e);
    }
  }

  private static int firstInvalidUtf8(byte[] bytes, int length) {
    CharsetDecoder probe =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
    CharBuffer out = CharBuffer.allocate(length + 1);
    probe.decode(in, out, true);
    return in.position();
  }

  /** True when the current line holds only whitespace. */
  public boolean isBlank() {
    for (int i = 0; i < lineLength; i++) {
      byte b = line[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  public Path file() {
    return file;
  }

  /** 1-based number of the current line. */
  public long lineNumber() {
    return lineNumber;
  }

  /**
   * Bytes read from disk so far (compressed bytes for gzip): progress against {@link #fileSize()}.
   */
  public long diskBytesRead() {
    return diskBytes[0];
  }

  /** Uncompressed bytes of the lines returned so far. */
  public long decodedBytes() {
    return decodedBytes;
  }

  public long fileSize() {
    return fileSize;
  }

  /** A format error at the current line. */
  public DataFormatException error(String field, String reason, String detail) {
    return new DataFormatException(file, lineNumber, field, reason, detail);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
