package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.data.source.DataFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole-document JSON files are streamed from the (possibly gzip) file and decoded as strict UTF-8
 * chunk by chunk: line numbers of errors stay right far past the first chunk.
 */
class BadInputWholeDocumentTest {

  @TempDir Path dir;

  /** A byte-order mark, CRLF line ends and 5,000 items: about 300 KB, several decoding chunks. */
  private static byte[] itemDocument(int badLine) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    out.writeBytes("{\r\n".getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < 5_000; i++) {
      int line = i + 2;
      String entry =
          "\"" + i + "\": {\"title\": \"Caf\u00e9 item " + i + " with some padding text\"},\r\n";
      byte[] bytes = entry.getBytes(StandardCharsets.UTF_8);
      if (line == badLine) {
        bytes[entry.indexOf('\u00e9') + 1] = (byte) 0xff; // breaks the é: 0xc3 0xff
      }
      out.writeBytes(bytes);
    }
    out.writeBytes("\"last\": {\"title\": \"Last\"}\r\n}\r\n".getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream zip = new GZIPOutputStream(out)) {
      zip.write(bytes);
    }
    return out.toByteArray();
  }

  @Test
  void gzipDocumentWithByteOrderMarkAndCrlfImports() throws IOException {
    Files.write(dir.resolve("X.item.json"), gzip(itemDocument(-1)));
    Files.writeString(dir.resolve("X.inter.json"), "{\"u\": [0, 4999, \"last\"]}");
    ImportResult result = new JsonSequenceImporter().importFrom(dir, ImportOptions.defaults());
    assertThat(result.dataset().itemCount()).isEqualTo(5_001);
    assertThat(result.dataset().items().get("4999").title())
        .isEqualTo("Caf\u00e9 item 4999 with some padding text");
    assertThat(result.report().linesRead()).isEqualTo(5_001 + 1);
  }

  @Test
  void invalidByteFarIntoAGzipDocumentNamesItsLine() throws IOException {
    Files.write(dir.resolve("X.item.json"), gzip(itemDocument(4_002)));
    Files.writeString(dir.resolve("X.inter.json"), "{\"u\": [0]}");
    assertThatThrownBy(() -> new JsonSequenceImporter().importFrom(dir, ImportOptions.lenient()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("X.item.json, line 4002: invalid UTF-8 byte 0xc3 at byte offset");
  }

  @Test
  void structuralErrorFarIntoADocumentNamesItsLine() throws IOException {
    String text = new String(itemDocument(-1), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("X.item.json"), text.replace("\"3000\": {", "\"3000\" {"));
    Files.writeString(dir.resolve("X.inter.json"), "{\"u\": [0]}");
    assertThatThrownBy(() -> new JsonSequenceImporter().importFrom(dir, ImportOptions.defaults()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("X.item.json, line 3002: malformed JSON at column 8");
  }

  @Test
  void documentOfOnlyWhitespaceIsEmpty() throws IOException {
    Files.writeString(dir.resolve("X.item.json"), "\uFEFF \n\t\n");
    Files.writeString(dir.resolve("X.inter.json"), "{\"u\": [0]}");
    assertThatThrownBy(() -> new JsonSequenceImporter().importFrom(dir, ImportOptions.defaults()))
        .hasMessageContaining("X.item.json: the file is empty; expected a JSON object");
  }
}
