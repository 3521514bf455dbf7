package io.recformer.infer.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.encoder.RecformerEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * The load of {@link ServingBenchmark} in small: concurrency 1, 8 and 32 against one recommender,
 * single and batched requests mixed. Asserts correctness only (every answer equals the answer
 * computed alone, every request completed), never timing.
 */
class ServingLoadTest {

  @Test
  void everyAnswerUnderConcurrencyEqualsTheAnswerComputedAlone() throws Exception {
    ItemCatalog catalog = ItemCatalog.of(RecommenderServingTest.catalogItems(300));
    List<List<String>> histories = new ArrayList<>();
    for (int u = 0; u < 24; u++) {
      histories.add(List.of("i" + (u * 7 % 300), "i" + (u * 13 % 300), "i" + (u * 29 % 300)));
    }
    try (RecformerEncoder encoder = RecformerEncoder.open(RecommenderTest.bundle());
        Recommender recommender =
            Recommender.build(
                encoder, catalog, RecommenderOptions.defaults().withScanPoolThreads(2))) {
      List<List<Recommendation>> alone = new ArrayList<>();
      for (List<String> history : histories) {
        alone.add(recommender.recommend(history, 10));
      }
      for (int concurrency : new int[] {1, 8, 32}) {
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        ServingLoad.Result result =
            ServingLoad.run(
                concurrency,
                96,
                120_000,
                i -> {
                  int u = i % histories.size();
                  if (i % 4 == 3) {
                    List<List<Recommendation>> batch =
                        recommender.recommendAll(
                            histories.subList(0, 8), 10, RecommendOptions.DEFAULTS);
                    for (int b = 0; b < batch.size(); b++) {
                      check(batch.get(b), alone.get(b), wrong, i);
                    }
                  } else {
                    check(recommender.recommend(histories.get(u), 10), alone.get(u), wrong, i);
                  }
                });
        assertThat(result.completed()).as("concurrency %d", concurrency).isEqualTo(96);
        assertThat(wrong).as("concurrency %d", concurrency).isEmpty();
      }
    }
  }

  private static void check(
      List<Recommendation> actual,
      List<Recommendation> expected,
      ConcurrentLinkedQueue<String> wrong,
      int request) {
    try {
      RecommenderServingTest.assertSameList(actual, expected, "request " + request);
    } catch (AssertionError e) {
      wrong.add(e.getMessage());
    }
  }
}
