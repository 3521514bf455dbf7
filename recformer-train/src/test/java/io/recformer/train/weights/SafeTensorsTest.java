package io.recformer.train.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

  @TempDir Path dir;

  @Test
  void writesTheExactBytesOfAHandComputedFile() throws IOException {
    Path file = dir.resolve("tiny.safetensors");
    // Given out of order: the writer sorts tensors by name.
    SafeTensors.write(
        file,
        List.of(
            new WeightTensor("w", new long[] {2}, new float[] {1.0f, -2.0f}),
            new WeightTensor("a", new long[] {1}, new float[] {0.5f})),
        Map.of("format", "recformer"));

    // 146 characters of JSON + 6 spaces = 152 = 0x98, so the data starts at byte 160 (8-aligned).
    String header =
        "{\"__metadata__\":{\"format\":\"recformer\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}"
            + "      ";
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(new byte[] {(byte) 0x98, 0, 0, 0, 0, 0, 0, 0});
    expected.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
    expected.writeBytes(
        new byte[] {
          0x00, 0x00, 0x00, 0x3f, // a = 0.5f
          0x00, 0x00, (byte) 0x80, 0x3f, // w[0] = 1.0f
          0x00, 0x00, 0x00, (byte) 0xc0
        }); // w[1] = -2.0f
    assertThat(header).hasSize(152);
    assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());

    SafeTensors.Contents read = SafeTensors.read(file);
    assertThat(read.metadata()).containsExactly(Map.entry("format", "recformer"));
    assertThat(read.tensors().keySet()).containsExactly("a", "w");
    assertThat(read.tensors().get("w").values()).containsExactly(1.0f, -2.0f);
  }

  @Test
  void roundTripsTensorsAndMetadataAndIsDeterministic() throws IOException {
    Random random = new Random(42);
    Map<String, WeightTensor> tensors = new LinkedHashMap<>();
    for (long[] shape : new long[][] {{3, 5}, {7}, {}, {0, 4}, {2, 3, 4}}) {
      String name = "t" + tensors.size() + ".weight";
      int n = 1;
      for (long d : shape) {
        n *= (int) d;
      }
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        values[i] = (float) random.nextGaussian();
      }
      tensors.put(name, new WeightTensor(name, shape, values));
    }
    tensors.put(
        "special",
        new WeightTensor(
            "special",
            new long[] {4},
            new float[] {Float.NaN, Float.NEGATIVE_INFINITY, -0.0f, Float.MIN_VALUE}));
    Map<String, String> metadata =
        Map.of(
            "config", "{\"hiddenSize\": 384, \"name\": \"a\\\\b\"}\n\ttab",
            "provenance", "seed=7 ünïcödé \u0001",
            "empty", "");
    Path file = dir.resolve("model.safetensors");
    SafeTensors.write(file, tensors, metadata);
    SafeTensors.Contents read = SafeTensors.read(file);
    assertThat(read.metadata()).isEqualTo(metadata);
    assertThat(read.tensors())
        .isEqualTo(tensors); // WeightTensor equality is bitwise on values (NaN too)

    byte[] first = Files.readAllBytes(file);
    assertThat(ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getLong(0) % 8).isZero();
    // Other insertion order, same bytes; overwriting leaves no temporary file behind.
    Map<String, WeightTensor> reversed = new LinkedHashMap<>();
    List<String> names = new ArrayList<>(tensors.keySet());
    for (int i = names.size() - 1; i >= 0; i--) {
      reversed.put(names.get(i), tensors.get(names.get(i)));
    }
    SafeTensors.write(file, reversed, new LinkedHashMap<>(metadata));
    assertThat(Files.readAllBytes(file)).isEqualTo(first);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model.safetensors");
    }
  }

  @Test
  void roundTripsTheImportedMiniLmCheckpoint() throws IOException {
    Map<String, WeightTensor> model = MiniLmFixture.imported();
    Path file = dir.resolve("minilm-recformer.safetensors");
    long start = System.nanoTime();
    SafeTensors.write(file, model, Map.of("config", "minilm-l6", "seed", "7"));
    long written = System.nanoTime();
    SafeTensors.Contents read = SafeTensors.read(file);
    long done = System.nanoTime();
    System.out.printf(
        Locale.ROOT,
        "safetensors %,d bytes: write %.0f ms, read %.0f ms%n",
        Files.size(file),
        (written - start) / 1e6,
        (done - written) / 1e6);
    assertThat(read.tensors().equals(model)).as("every tensor read back bit for bit").isTrue();
    assertThat(read.metadata()).containsEntry("config", "minilm-l6");
  }

  @Test
  void writesNoMetadataKeyWhenThereIsNone() throws IOException {
    Path file = dir.resolve("plain.safetensors");
    SafeTensors.write(
        file, List.of(new WeightTensor("x", new long[] {1}, new float[] {3f})), Map.of());
    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
        .doesNotContain("__metadata__");
    assertThat(SafeTensors.read(file).metadata()).isEmpty();
  }

  @Test
  void rejectsDuplicateAndReservedNamesOnWrite() {
    WeightTensor x = new WeightTensor("x", new long[] {1}, new float[] {1f});
    assertThatThrownBy(
            () -> SafeTensors.write(dir.resolve("d.safetensors"), List.of(x, x), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tensor name 'x' occurs twice; names must be unique");
    assertThatThrownBy(
            () ->
                SafeTensors.write(
                    dir.resolve("d.safetensors"), List.of(x.renamed("__metadata__")), Map.of()))
        .hasMessage("tensor name '__metadata__' is reserved for the metadata map");
    assertThat(dir.resolve("d.safetensors")).doesNotExist();
  }

  @Test
  void widensF16Bf16AndF64() throws IOException {
    ByteBuffer data = ByteBuffer.allocate(6 * 2 + 2 * 2 + 2 * 8).order(ByteOrder.LITTLE_ENDIAN);
    // F16: 1, -2, 1/3 rounded (0x3555), smallest subnormal 2^-24, +inf, 65504 (largest finite)
    for (int bits : new int[] {0x3C00, 0xC000, 0x3555, 0x0001, 0x7C00, 0x7BFF}) {
      data.putShort((short) bits);
    }
    data.putShort((short) 0x3F80).putShort((short) 0xC0A0); // BF16: 1, -5
    data.putDouble(0.1).putDouble(-1e300);
    Path file =
        write(
            "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[16,32]}}",
            data.array());
    Map<String, WeightTensor> t = SafeTensors.read(file).tensors();
    assertThat(t.keySet()).containsExactly("h", "b", "d");
    assertThat(t.get("h").shape()).containsExactly(2, 3);
    assertThat(t.get("h").values())
        .containsExactly(1f, -2f, 0.33325195f, 0x1p-24f, Float.POSITIVE_INFINITY, 65504f);
    assertThat(t.get("b").values()).containsExactly(1f, -5f);
    assertThat(t.get("d").values()).containsExactly(0.1f, Float.NEGATIVE_INFINITY);
  }

  @Test
  void halfFloatEdgeCases() {
    assertThat(HalfFloats.halfToFloat((short) 0x8000)).isEqualTo(-0.0f);
    assertThat(Float.floatToRawIntBits(HalfFloats.halfToFloat((short) 0x8000)))
        .isEqualTo(0x80000000);
    assertThat(HalfFloats.halfToFloat((short) 0x7E00)).isNaN();
    assertThat(HalfFloats.halfToFloat((short) 0x83FF))
        .isEqualTo(-1023 * 0x1p-24f); // largest subnormal, negative
    assertThat(HalfFloats.halfToFloat((short) 0x0400)).isEqualTo(0x1p-14f); // smallest normal
  }

  // ---- corruption: every case fails with an IOException naming the file (and tensor) ----

  @Test
  void rejectsAFileShorterThanTheLengthPrefix() throws IOException {
    Path file = dir.resolve("short.safetensors");
    Files.write(file, new byte[] {1, 2, 3});
    assertFails(
        file,
        "safetensors file " + file + ": is 3 bytes long, shorter than the 8-byte header length");
  }

  @Test
  void rejectsAHeaderLengthBeyondTheFile() throws IOException {
    Path file = dir.resolve("long.safetensors");
    ByteBuffer b =
        ByteBuffer.allocate(8 + 4)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(1000)
            .put("{}  ".getBytes(StandardCharsets.US_ASCII));
    Files.write(file, b.array());
    assertFails(
        file,
        "safetensors file "
            + file
            + ": header length 1000 exceeds the file: only 4 bytes follow it");
    b.putLong(0, -1L); // unsigned 2^64 - 1
    Files.write(file, b.array());
    assertFails(
        file, "header length 18446744073709551615 exceeds the file: only 4 bytes follow it");
  }

  @Test
  void rejectsMalformedJsonAndWrongStructure() throws IOException {
    assertFails(write("{\"a\":{\"dtype\":\"F32\",", new byte[0]), "header is not valid JSON");
    assertFails(write("[1, 2]", new byte[0]), "header must be a JSON object");
    assertFails(write("", new byte[0]), "header must be a JSON object");
    assertFails(
        write("{\"a\":[1]}", new byte[0]),
        "tensor 'a' entry must be an object with dtype, shape and data_offsets");
    assertFails(
        write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]),
        "tensor 'a' has no 'data_offsets' array of 2 integers");
    assertFails(
        write("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]),
        "tensor 'a' has shape [-1]; entries must be non-negative integers");
    assertFails(
        write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]),
        "tensor 'a' has shape [1.5]; entries must be non-negative integers");
    assertFails(
        write("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
        "tensor 'a' has no string 'dtype'");
    assertFails(
        write(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
            new byte[8]),
        "Duplicate field 'a'");
    assertFails(
        write("{\"__metadata__\":{\"k\":1}}", new byte[0]),
        "__metadata__ value of 'k' is not a string");
    assertFails(
        write("{\"__metadata__\":[]}", new byte[0]), "__metadata__ must be an object of strings");
  }

  @Test
  void rejectsInvalidUtf8InTheHeader() throws IOException {
    byte[] header = "{\"a\":{}}".getBytes(StandardCharsets.US_ASCII);
    header[2] = (byte) 0xC3; // a lead byte followed by '"', not a continuation byte
    Path file = dir.resolve("utf8.safetensors");
    ByteBuffer b =
        ByteBuffer.allocate(8 + header.length)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(header.length)
            .put(header);
    Files.write(file, b.array());
    assertFails(file, "safetensors file " + file + ": header is not valid UTF-8");
  }

  @Test
  void rejectsUnknownAndUnsupportedDtypes() throws IOException {
    Path file =
        write("{\"x\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]);
    assertFails(file, "safetensors file " + file + ": tensor 'x' has unknown dtype 'Q7'");
    Path ints =
        write(
            "{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
            new byte[12]);
    assertFails(
        ints,
        "tensor 'ids' has dtype I64, which is not a float type; readable dtypes are F32, F16, BF16,"
            + " F64");
    SafeTensors.Contents lenient = SafeTensors.read(ints, true);
    assertThat(lenient.tensors().keySet()).containsExactly("w");
    assertThat(lenient.skipped()).containsExactly("ids");
    // Skipped tensors are still validated.
    Path badInts =
        write("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
    assertThatThrownBy(() -> SafeTensors.read(badInts, true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("tensor 'ids' has shape [2] of I64, which needs 16 bytes");
  }

  @Test
  void rejectsAShapeThatDoesNotMatchTheOffsets() throws IOException {
    Path file =
        write("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", new byte[20]);
    assertFails(
        file,
        "safetensors file "
            + file
            + ": tensor 'w' has shape [2, 3] of F32, which needs 24 bytes, but data_offsets [0, 20]"
            + " span 20");
    assertFails(
        write("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", new byte[8]),
        "tensor 'w' has data_offsets [8, 4] with end before begin");
  }

  @Test
  void rejectsOffsetsOutsideTheDataArea() throws IOException {
    Path file =
        write("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", new byte[8]);
    assertFails(
        file,
        "safetensors file "
            + file
            + ": tensor 'w' has data_offsets [0, 12] beyond the data area of 8 bytes");
  }

  @Test
  void rejectsOverlappingOffsets() throws IOException {
    Path file =
        write(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
            new byte[12]);
    assertFails(
        file,
        "safetensors file "
            + file
            + ": tensor 'b' has data_offsets [4, 12] overlapping tensor 'a' [0, 8]");
  }

  @Test
  void rejectsUnindexedBytes() throws IOException {
    Path gap =
        write(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
            new byte[12]);
    assertFails(
        gap, "tensor 'b' starts at data offset 8, leaving bytes [4, 8) of the data area unindexed");
    Path trailing =
        write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[6]);
    assertFails(
        trailing,
        "safetensors file " + trailing + ": data area has 6 bytes but the tensors index only 4");
  }

  @Test
  void reportsAMissingFile() {
    assertThatThrownBy(() -> SafeTensors.read(dir.resolve("absent.safetensors")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("absent.safetensors");
  }

  private int counter;

  /** A safetensors file with this exact header text (unpadded) and data. */
  private Path write(String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    Path file = dir.resolve("case" + counter++ + ".safetensors");
    Files.write(file, b.array());
    return file;
  }

  private static void assertFails(Path file, String message) {
    assertThatThrownBy(() -> SafeTensors.read(file))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("safetensors file " + file + ": ")
        .hasMessageContaining(message);
  }
}
