package io.recformer.data.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams a generated raw review file of at least 500 MB through the importer in a child JVM
 * limited to 1 GB of heap, and checks the reported peak heap stays under 1 GB. Slow (a minute or
 * more): run with {@code -Drecformer.slow=true}.
 */
@EnabledIfSystemProperty(named = "recformer.slow", matches = "true")
class StreamingImportSlowTest {

  @TempDir Path dir;

  @Test
  void fiveHundredMegabytesImportUnderOneGigabyteOfHeap() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx1g",
                    "-cp",
                    System.getProperty("java.class.path"),
                    ImportBenchmark.class.getName(),
                    dir.toString(),
                    "512"))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("out.txt").toFile())
            .start();
    assertThat(process.waitFor(20, TimeUnit.MINUTES)).isTrue();
    String out = Files.readString(dir.resolve("out.txt"));
    // The child's report (MB/s, peak heap) lands in the surefire report of this test.
    System.out.println(out);
    assertThat(process.exitValue()).as(out).isZero();
    Matcher row =
        Pattern.compile(
                "\\| Synthetic_5.json \\| ([0-9.]+) MB \\| [0-9.]+ s \\| ([0-9.]+) MB/s \\|"
                    + " ([0-9]+) MB \\|")
            .matcher(out);
    assertThat(row.find()).as(out).isTrue();
    assertThat(Double.parseDouble(row.group(1))).isGreaterThan(500);
    assertThat(Double.parseDouble(row.group(3))).isLessThan(1000);
  }
}
