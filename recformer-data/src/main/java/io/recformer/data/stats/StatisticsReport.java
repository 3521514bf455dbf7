package io.recformer.data.stats;

import io.recformer.core.item.Item;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.ToIntFunction;

/**
 * Prints the statistics of dataset directories (any importable format, or a saved dataset) as
 * Markdown: {@code java ... StatisticsReport data/amazon-scientific-unisrec
 * data/amazon-office-2014}. Tokens per item are counted here with a whitespace split over attribute
 * keys and values (a stand-in: the Recformer tokenizer gives larger counts, since it splits words
 * into pieces).
 */
public final class StatisticsReport {

  /** Whitespace tokens over every attribute key and value of the item. */
  public static final ToIntFunction<Item> WHITESPACE_TOKENS =
      item -> {
        int count = 0;
        for (var attribute : item.attributes()) {
          count += words(attribute.key()) + words(attribute.value());
        }
        return count;
      };

  private StatisticsReport() {}

  public static void main(String[] args) throws IOException {
    for (String arg : args) {
      Path dir = Path.of(arg);
      Dataset dataset = Datasets.open(dir);
      System.out.println("### " + dir.getFileName());
      System.out.println();
      System.out.println(DatasetStatistics.of(dataset, WHITESPACE_TOKENS).toMarkdown());
      System.out.println(
          "Tokens per item: whitespace words over attribute keys and values (all attributes).");
      System.out.println();
    }
  }

  private static int words(String text) {
    int count = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); i++) {
      boolean space = Character.isWhitespace(text.charAt(i));
      if (!space && !inWord) {
        count++;
      }
      inWord = !space;
    }
    return count;
  }
}
