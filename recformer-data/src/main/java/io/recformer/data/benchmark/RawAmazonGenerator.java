package io.recformer.data.benchmark;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a synthetic Amazon 2018 5-core review file and its metadata file, shaped like the real
 * ones: one JSON object per line with the real field names, review text of a few hundred bytes,
 * lines grouped by item (as the real files are) so every user's interactions are scattered over the
 * file and must be gathered and sorted by the importer. The content is random, the sizes and shapes
 * are what matter for throughput and memory.
 */
public final class RawAmazonGenerator {

  private static final String[] WORDS =
      ("glue tape drill bit sander filament printer nozzle spool gloves mask safety goggles"
           + " resistor capacitor relay switch valve fitting hose clamp wrench socket bolt nut"
           + " screw washer bearing gear motor pump sensor meter thermometer scale beaker flask"
           + " pipette label marker pen great quality works fine as described fast shipping would"
           + " buy again not worth the price broke after a week exactly what I needed sturdy cheap"
           + " strong light heavy small large")
          .split(" ");

  /** Sizes of a generated data set. */
  public record Generated(Path reviews, Path metadata, long reviewLines, long items, long users) {}

  private RawAmazonGenerator() {}

  /**
   * Generates at least {@code targetBytes} of review lines (plain, or gzip when {@code gzip}) plus
   * metadata for every item, with a fixed seed.
   */
  public static Generated generate(Path directory, long targetBytes, boolean gzip, long seed)
      throws IOException {
    Files.createDirectories(directory);
    SplittableRandom random = new SplittableRandom(seed);
    // About 650 bytes per review line; 5-core: every user and item has >= 5 reviews on average
    // here.
    long expectedLines = Math.max(1000, targetBytes / 650);
    int users = (int) Math.max(200, expectedLines / 9);
    int items = (int) Math.max(100, expectedLines / 12);
    String suffix = gzip ? ".json.gz" : ".json";
    Path reviews = directory.resolve("Synthetic_5" + suffix);
    Path metadata = directory.resolve("meta_Synthetic" + suffix);
    long lines = 0;
    long written = 0;
    try (Writer out = writer(reviews, gzip)) {
      StringBuilder line = new StringBuilder(1024);
      int item = 0;
      while (written < targetBytes) {
        int reviewsOfItem = 5 + random.nextInt(20);
        for (int r = 0; r < reviewsOfItem; r++) {
          line.setLength(0);
          int user = random.nextInt(users);
          long time = 1_300_000_000L + random.nextInt(250_000_000);
          line.append("{\"overall\": ")
              .append(1 + random.nextInt(5))
              .append(".0, \"verified\": true, ")
              .append("\"reviewTime\": \"01 1, 2015\", \"reviewerID\": \"A")
              .append(userId(user))
              .append("\", ")
              .append("\"asin\": \"")
              .append(asin(item % items))
              .append("\", \"style\": {\"Size:\": \" Pack of 1\"}, ")
              .append("\"reviewerName\": \"Reviewer ")
              .append(user)
              .append("\", \"reviewText\": \"");
          words(line, random, 50 + random.nextInt(60));
          line.append("\", \"summary\": \"");
          words(line, random, 3 + random.nextInt(5));
          line.append("\", \"unixReviewTime\": ").append(time).append("}\n");
          out.append(line);
          written += line.length();
          lines++;
        }
        item++;
      }
    }
    try (Writer out = writer(metadata, gzip)) {
      StringBuilder line = new StringBuilder(1024);
      for (int i = 0; i < items; i++) {
        line.setLength(0);
        line.append("{\"category\": [\"Industrial &amp; Scientific\", \"");
        words(line, random, 2);
        line.append("\", \"");
        words(line, random, 2);
        line.append("\"], \"tech1\": \"\", \"description\": [\"");
        words(line, random, 30 + random.nextInt(40));
        line.append("\"], \"fit\": \"\", \"title\": \"");
        words(line, random, 6 + random.nextInt(12));
        line.append(" &quot;")
            .append(i)
            .append("&quot;\", \"also_buy\": [\"")
            .append(asin(random.nextInt(items)))
            .append("\"], \"brand\": \"Brand")
            .append(i % 997)
            .append("\", \"feature\": [], \"main_cat\": \"Industrial\", ")
            .append("\"price\": \"$")
            .append(1 + random.nextInt(99))
            .append(".99\", \"asin\": \"")
            .append(asin(i))
            .append("\"}\n");
        out.append(line);
      }
    }
    return new Generated(reviews, metadata, lines, items, users);
  }

  private static void words(StringBuilder out, SplittableRandom random, int count) {
    for (int w = 0; w < count; w++) {
      if (w > 0) {
        out.append(' ');
      }
      out.append(WORDS[random.nextInt(WORDS.length)]);
    }
  }

  static String asin(int item) {
    return String.format(Locale.ROOT, "B%09d", item);
  }

  static String userId(int user) {
    return String.format(Locale.ROOT, "%012X", user * 2_654_435_761L & 0xFFFFFFFFFFFFL);
  }

  private static Writer writer(Path file, boolean gzip) throws IOException {
    OutputStream raw = Files.newOutputStream(file);
    OutputStream out = gzip ? new GZIPOutputStream(raw, 1 << 16) : raw;
    return new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
  }
}
