package io.recformer.train.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * One training step against a 1.5 M x 384 item matrix with chunked logits completes (reference
 * section 10). Needs about 6 GB of RAM and minutes of CPU: run with {@code -Drecformer.slow=true}
 * and a test heap of at least 1 GB (the matrix lives in native memory).
 */
@EnabledIfSystemProperty(named = "recformer.slow", matches = "true")
class LargeCatalogStepSlowTest {

  @Test
  void aStepAgainstOnePointFiveMillionItemsCompletes() throws Exception {
    String line = LargeCatalogStep.run(1_500_000, 16, 256, 65_536);
    System.out.println(line);
    assertThat(line).contains("items 1500000 x 384");
    double loss = Double.parseDouble(line.replaceAll(".*: loss ([0-9.]+) .*", "$1"));
    // A random model scores items almost uniformly: the loss is close to ln(1.5 M) = 14.22.
    assertThat(loss).isBetween(13.0, 16.0);
  }
}
