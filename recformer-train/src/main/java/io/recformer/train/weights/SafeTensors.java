package io.recformer.train.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format in plain Java, so checkpoints move between this library
 * and Hugging Face / PyTorch without an engine.
 *
 * <p>Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON mapping each
 * tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the
 * data area) plus an optional {@code "__metadata__"} string-to-string map, then the raw
 * little-endian tensor data.
 *
 * <p>Reading accepts F32, and widens F16, BF16 and F64 to float (converted PyTorch checkpoints are
 * often half precision). It validates the whole header before touching data: header length within
 * the file, well-formed JSON without duplicate keys, known dtypes, byte ranges that match the
 * shape, lie inside the data area, do not overlap and leave no unindexed bytes (the same rules as
 * the reference implementation). Every failure is an {@link IOException} naming the file and, where
 * there is one, the tensor.
 *
 * <p>Writing stores F32 only, tensors sorted by name with contiguous offsets, metadata keys sorted,
 * and the header padded with spaces to a multiple of 8 bytes so the data area is 8-byte aligned;
 * the same tensors and metadata always give the same bytes. The file is written to a temporary file
 * in the target directory and moved into place atomically.
 *
 * <p>Over 400 lines because the validating reader (every dtype the importers meet, errors naming
 * the field) and the deterministic writer are one file format.
 */
public final class SafeTensors {

  /** The header key holding the string-to-string metadata map. */
  public static final String METADATA_KEY = "__metadata__";

  /** Largest header accepted; real headers are kilobytes, a larger value means a corrupt file. */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private SafeTensors() {}

  /**
   * The contents of a safetensors file.
   *
   * @param tensors the tensors in the file's header order (as floats)
   * @param metadata the {@code __metadata__} map, empty if absent
   * @param skipped names of integer or boolean tensors left out by {@link #read(Path, boolean)
   *     read(file, true)}, in header order
   */
  public record Contents(
      Map<String, WeightTensor> tensors, Map<String, String> metadata, List<String> skipped) {
    public Contents {
      tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
      skipped = List.copyOf(skipped);
    }
  }

  /**
   * The dtypes of the format with their widths in bytes. Only the floating ones can become a {@link
   * WeightTensor}; the others are known so that their byte ranges can still be validated (PyTorch
   * state dicts carry int64 buffers such as {@code position_ids}).
   */
  private enum DType {
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    F64(8, true),
    BOOL(1, false),
    U8(1, false),
    I8(1, false),
    F8_E4M3(1, false),
    F8_E5M2(1, false),
    I16(2, false),
    U16(2, false),
    I32(4, false),
    U32(4, false),
    I64(8, false),
    U64(8, false);

    final int width;
    final boolean floating;

    DType(int width, boolean floating) {
      this.width = width;
      this.floating = floating;
    }
  }

  // Arrays for speed: a header entry, read once and never compared.
  @SuppressWarnings("ArrayRecordComponent")
  private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

  /**
   * Reads every tensor and the metadata of a safetensors file.
   *
   * @throws IOException if the file cannot be read or breaks any rule of the format
   */
  public static Contents read(Path file) throws IOException {
    return read(file, false);
  }

  /**
   * Reads a safetensors file, optionally leaving out tensors of integer and boolean dtypes (their
   * byte ranges are still validated) instead of failing on them.
   *
   * @param skipNonFloat whether to skip (and list in {@link Contents#skipped()}) non-float tensors
   * @throws IOException if the file cannot be read, breaks any rule of the format, or holds a
   *     non-float tensor while {@code skipNonFloat} is false
   */
  public static Contents read(Path file, boolean skipNonFloat) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < 8) {
        throw corrupt(file, "is " + size + " bytes long, shorter than the 8-byte header length");
      }
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0, file);
      long headerLength = lengthBytes.flip().getLong();
      if (headerLength < 0 || headerLength > size - 8) {
        throw corrupt(
            file,
            String.format(
                Locale.ROOT,
                "header length %s exceeds the file: only %d bytes follow it",
                Long.toUnsignedString(headerLength),
                size - 8));
      }
      if (headerLength > MAX_HEADER_BYTES) {
        throw corrupt(
            file,
            "header length "
                + headerLength
                + " exceeds the limit of "
                + MAX_HEADER_BYTES
                + " bytes");
      }
      ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
      readFully(channel, headerBytes, 8, file);
      long dataStart = 8 + headerLength;
      long dataSize = size - dataStart;

      Map<String, String> metadata = new LinkedHashMap<>();
      List<Entry> entries = parseHeader(file, headerBytes.flip(), metadata);
      checkOffsets(file, entries, dataSize);

      Map<String, WeightTensor> tensors = new LinkedHashMap<>();
      List<String> skipped = new ArrayList<>();
      for (Entry e : entries) {
        if (e.dtype.floating) {
          tensors.put(e.name, new WeightTensor(e.name, e.shape, readValues(channel, dataStart, e)));
        } else if (skipNonFloat) {
          skipped.add(e.name);
        } else {
          throw corrupt(
              file,
              e.name,
              "has dtype "
                  + e.dtype
                  + ", which is not a float type; readable dtypes are"
                  + " F32, F16, BF16, F64 (read with skipNonFloat to leave such tensors out)");
        }
      }
      return new Contents(tensors, metadata, skipped);
    }
  }

  /**
   * Writes tensors as F32 with metadata, atomically replacing {@code file}.
   *
   * @param tensors the tensors; names must be unique and must not be {@value #METADATA_KEY}
   * @param metadata strings stored in {@value #METADATA_KEY} (e.g. the config JSON and provenance);
   *     omitted from the header when empty. Hugging Face transformers only loads files whose
   *     metadata has {@code "format": "pt"}
   * @throws IllegalArgumentException if two tensors share a name
   */
  public static void write(
      Path file, Collection<WeightTensor> tensors, Map<String, String> metadata)
      throws IOException {
    List<WeightTensor> sorted = new ArrayList<>(tensors);
    sorted.sort(Comparator.comparing(WeightTensor::name));
    for (int i = 0; i < sorted.size(); i++) {
      String name = sorted.get(i).name();
      if (name.equals(METADATA_KEY)) {
        throw new IllegalArgumentException(
            "tensor name '" + METADATA_KEY + "' is reserved for the metadata map");
      }
      if (i > 0 && name.equals(sorted.get(i - 1).name())) {
        throw new IllegalArgumentException(
            "tensor name '" + name + "' occurs twice; names must be unique");
      }
    }
    byte[] header = header(sorted, new TreeMap<>(metadata));

    Path absolute = file.toAbsolutePath();
    Path dir = absolute.getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, absolute.getFileName().toString(), ".tmp");
    try {
      try (FileChannel channel =
          FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer prefix =
            ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        writeFully(channel, prefix.flip());
        writeFully(channel, ByteBuffer.wrap(header));
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (WeightTensor t : sorted) {
          for (float v : t.values()) {
            if (!chunk.hasRemaining()) {
              writeFully(channel, chunk.flip());
              chunk.clear();
            }
            chunk.putFloat(v);
          }
        }
        writeFully(channel, chunk.flip());
        channel.force(true);
      }
      Files.move(
          temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Convenience for {@link #write(Path, Collection, Map)} with a name-to-tensor map. */
  public static void write(
      Path file, Map<String, WeightTensor> tensors, Map<String, String> metadata)
      throws IOException {
    for (Map.Entry<String, WeightTensor> e : tensors.entrySet()) {
      if (!e.getKey().equals(e.getValue().name())) {
        throw new IllegalArgumentException(
            "map key '" + e.getKey() + "' holds tensor '" + e.getValue().name() + "'");
      }
    }
    write(file, tensors.values(), metadata);
  }

  /** The JSON header, space-padded so that 8 + its length is a multiple of 8. */
  static byte[] header(List<WeightTensor> sorted, Map<String, String> sortedMetadata) {
    StringBuilder json = new StringBuilder("{");
    if (!sortedMetadata.isEmpty()) {
      json.append(quote(METADATA_KEY)).append(":{");
      boolean first = true;
      for (Map.Entry<String, String> e : sortedMetadata.entrySet()) {
        json.append(first ? "" : ",")
            .append(quote(e.getKey()))
            .append(':')
            .append(quote(Objects.requireNonNull(e.getValue(), "metadata value of " + e.getKey())));
        first = false;
      }
      json.append('}');
    }
    long offset = 0;
    for (WeightTensor t : sorted) {
      long end = offset + 4L * t.size();
      json.append(json.length() > 1 ? "," : "")
          .append(quote(t.name()))
          .append(":{\"dtype\":\"F32\",\"shape\":[");
      for (int i = 0; i < t.shape().length; i++) {
        json.append(i > 0 ? "," : "").append(t.shape()[i]);
      }
      json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
      offset = end;
    }
    json.append('}');
    byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (bytes.length + 7) / 8 * 8;
    byte[] out = Arrays.copyOf(bytes, padded);
    Arrays.fill(out, bytes.length, padded, (byte) ' ');
    return out;
  }

  /** A JSON string literal: quotes, backslashes and control characters escaped, the rest as is. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static List<Entry> parseHeader(Path file, ByteBuffer bytes, Map<String, String> metadata)
      throws IOException {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(bytes)
              .toString();
    } catch (CharacterCodingException e) {
      throw corrupt(file, "header is not valid UTF-8");
    }
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw corrupt(file, "header is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw corrupt(file, "header must be a JSON object");
    }
    List<Entry> entries = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      JsonNode value = field.getValue();
      if (name.equals(METADATA_KEY)) {
        if (!value.isObject()) {
          throw corrupt(file, METADATA_KEY + " must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> m = value.properties().iterator();
            m.hasNext(); ) {
          Map.Entry<String, JsonNode> kv = m.next();
          if (!kv.getValue().isTextual()) {
            throw corrupt(file, METADATA_KEY + " value of '" + kv.getKey() + "' is not a string");
          }
          metadata.put(kv.getKey(), kv.getValue().textValue());
        }
        continue;
      }
      entries.add(parseEntry(file, name, value));
    }
    return entries;
  }

  private static Entry parseEntry(Path file, String name, JsonNode value) throws IOException {
    if (!value.isObject()) {
      throw corrupt(file, name, "entry must be an object with dtype, shape and data_offsets");
    }
    JsonNode dtypeNode = value.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw corrupt(file, name, "has no string 'dtype'");
    }
    DType dtype;
    try {
      dtype = DType.valueOf(dtypeNode.textValue());
    } catch (IllegalArgumentException e) {
      throw corrupt(file, name, "has unknown dtype '" + dtypeNode.textValue() + "'");
    }
    long[] shape = longs(file, name, value.get("shape"), "shape", -1);
    long[] offsets = longs(file, name, value.get("data_offsets"), "data_offsets", 2);
    if (offsets[1] < offsets[0]) {
      throw corrupt(
          file, name, "has data_offsets " + Arrays.toString(offsets) + " with end before begin");
    }
    long elements = 1;
    try {
      for (long d : shape) {
        elements = Math.multiplyExact(elements, d);
      }
    } catch (ArithmeticException e) {
      throw corrupt(
          file, name, "has shape " + Arrays.toString(shape) + " whose element count overflows");
    }
    if (elements > Integer.MAX_VALUE - 8) {
      throw corrupt(file, name, "has " + elements + " elements, more than a Java array holds");
    }
    long expectedBytes = elements * dtype.width;
    if (offsets[1] - offsets[0] != expectedBytes) {
      throw corrupt(
          file,
          name,
          String.format(
              Locale.ROOT,
              "has shape %s of %s, which needs %d bytes, but data_offsets %s span %d",
              Arrays.toString(shape),
              dtype,
              expectedBytes,
              Arrays.toString(offsets),
              offsets[1] - offsets[0]));
    }
    return new Entry(name, dtype, shape, offsets[0], offsets[1]);
  }

  private static long[] longs(
      Path file, String name, JsonNode node, String field, int requiredLength) throws IOException {
    if (node == null || !node.isArray() || (requiredLength >= 0 && node.size() != requiredLength)) {
      throw corrupt(
          file,
          name,
          "has no '"
              + field
              + "' array"
              + (requiredLength >= 0 ? " of " + requiredLength + " integers" : " of integers"));
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw corrupt(
            file, name, "has " + field + " " + node + "; entries must be non-negative integers");
      }
      out[i] = v.longValue();
    }
    return out;
  }

  /** Byte ranges must lie in the data area, must not overlap and must cover it without gaps. */
  private static void checkOffsets(Path file, List<Entry> entries, long dataSize)
      throws IOException {
    List<Entry> byBegin = new ArrayList<>(entries);
    byBegin.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long covered = 0;
    Entry previous = null;
    for (Entry e : byBegin) {
      if (e.end > dataSize) {
        throw corrupt(
            file,
            e.name,
            String.format(
                Locale.ROOT,
                "has data_offsets [%d, %d] beyond the data area of %d bytes",
                e.begin,
                e.end,
                dataSize));
      }
      if (e.begin < covered) {
        throw corrupt(
            file,
            e.name,
            String.format(
                Locale.ROOT,
                "has data_offsets [%d, %d] overlapping tensor '%s' [%d, %d]",
                e.begin,
                e.end,
                previous.name,
                previous.begin,
                previous.end));
      }
      if (e.begin > covered) {
        throw corrupt(
            file,
            e.name,
            String.format(
                Locale.ROOT,
                "starts at data offset %d, leaving bytes [%d, %d) of the data area unindexed",
                e.begin,
                covered,
                e.begin));
      }
      covered = e.end;
      previous = e;
    }
    if (covered != dataSize) {
      throw corrupt(
          file,
          String.format(
              Locale.ROOT,
              "data area has %d bytes but the tensors index only %d",
              dataSize,
              covered));
    }
  }

  private static float[] readValues(FileChannel channel, long dataStart, Entry e)
      throws IOException {
    int count = Math.toIntExact((e.end - e.begin) / e.dtype.width);
    float[] values = new float[count];
    if (count == 0) {
      return values;
    }
    ByteBuffer buf =
        channel
            .map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, e.end - e.begin)
            .order(ByteOrder.LITTLE_ENDIAN);
    switch (e.dtype) {
      case F32 -> buf.asFloatBuffer().get(values);
      case F64 -> {
        for (int i = 0; i < count; i++) {
          values[i] = (float) buf.getDouble();
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          values[i] = HalfFloats.halfToFloat(buf.getShort());
        }
      }
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          values[i] = HalfFloats.bfloat16ToFloat(buf.getShort());
        }
      }
      default -> throw new IllegalStateException("unhandled dtype " + e.dtype);
    }
    return values;
  }

  private static void readFully(FileChannel channel, ByteBuffer buf, long position, Path file)
      throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw corrupt(file, "ends early at byte " + pos);
      }
      pos += n;
    }
  }

  private static void writeFully(FileChannel channel, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
  }

  private static IOException corrupt(Path file, String problem) {
    return new IOException("safetensors file " + file + ": " + problem);
  }

  private static IOException corrupt(Path file, String tensor, String problem) {
    return new IOException("safetensors file " + file + ": tensor '" + tensor + "' " + problem);
  }
}
