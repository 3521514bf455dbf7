package io.recformer.data.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recformer.core.item.Item;
import io.recformer.data.TestData;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

class DatasetStatisticsTest {

  /**
   * A simple whitespace token counter over all attribute keys and values (the real tokenizer is
   * wired later).
   */
  static final ToIntFunction<Item> WHITESPACE =
      item -> item.attributes().stream().mapToInt(a -> words(a.key()) + words(a.value())).sum();

  private static int words(String text) {
    String stripped = text.strip();
    return stripped.isEmpty() ? 0 : stripped.split("\\s+").length;
  }

  private static DatasetStatistics stats(Path dir) throws IOException {
    return DatasetStatistics.of(Datasets.importAuto(dir).dataset(), WHITESPACE);
  }

  @Test
  void bundledDataShowsThePublishedCounts() throws IOException {
    DatasetStatistics unisrec = stats(TestData.unisrec());
    assertThat(new long[] {unisrec.users(), unisrec.items(), unisrec.interactions()})
        .containsExactly(8_442, 4_385, 59_427);
    DatasetStatistics lcrec = stats(TestData.lcrec());
    assertThat(new long[] {lcrec.users(), lcrec.items(), lcrec.interactions()})
        .containsExactly(8_317, 4_344, 58_492);
    DatasetStatistics office = stats(TestData.office());
    assertThat(new long[] {office.users(), office.items(), office.interactions()})
        .containsExactly(4_905, 2_420, 53_258);
    // Sequence lengths from the PROVENANCE files: LC-Rec 5..78, Office 5..94.
    assertThat(lcrec.sequenceLength().min()).isEqualTo(5);
    assertThat(lcrec.sequenceLength().max()).isEqualTo(78);
    assertThat(office.sequenceLength().max()).isEqualTo(94);
    assertThat(unisrec.sequenceLength().mean()).isCloseTo(59_427.0 / 8_442, within(1e-9));
    assertThat(office.tokensPerItem()).isPresent();
    assertThat(unisrec.toMarkdown())
        .contains("| users | 8,442 |")
        .contains("| interactions | 59,427 |")
        .contains("| tokens per item | ");
  }

  @Test
  void distributionUsesNearestRank() {
    Distribution d = Distribution.of(new int[] {5, 1, 4, 2, 3, 10, 7, 8, 9, 6});
    assertThat(d.min()).isEqualTo(1);
    assertThat(d.max()).isEqualTo(10);
    assertThat(d.mean()).isCloseTo(5.5, within(1e-12));
    assertThat(d.p50()).isEqualTo(5);
    assertThat(d.p90()).isEqualTo(9);
    assertThat(d.p99()).isEqualTo(10);
    assertThat(Distribution.of(new int[0]).count()).isZero();
  }

  @Test
  void tokenCountIsOptionalAndUsesTheGivenCounter() throws IOException {
    Dataset dataset = Datasets.importAuto(TestData.office()).dataset();
    assertThat(DatasetStatistics.of(dataset).tokensPerItem()).isEmpty();
    DatasetStatistics constant = DatasetStatistics.of(dataset, item -> 7);
    assertThat(constant.tokensPerItem().orElseThrow().mean()).isCloseTo(7.0, within(1e-12));
    // Office item 1786 has only "category: Computers & Accessories, Cables & Accessories, Input
    // Devices, Digital Pens".
    assertThat(WHITESPACE.applyAsInt(dataset.items().get("1786"))).isEqualTo(1 + 10);
  }
}
