package io.recformer.data.stats;

import io.recformer.core.item.Item;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * Statistics of a dataset.
 *
 * @param name dataset name
 * @param users number of users
 * @param items number of items
 * @param interactions number of interactions
 * @param sequenceLength distribution of interactions per user
 * @param tokensPerItem distribution of tokens per item, present when a token counter was given
 * @param fingerprint the dataset's content fingerprint
 */
public record DatasetStatistics(
    String name,
    int users,
    int items,
    long interactions,
    Distribution sequenceLength,
    Optional<Distribution> tokensPerItem,
    String fingerprint) {

  public DatasetStatistics {
    Objects.requireNonNull(tokensPerItem, "tokensPerItem");
  }

  /** Statistics without token counts. */
  public static DatasetStatistics of(Dataset dataset) {
    return of(dataset, null);
  }

  /**
   * Statistics with tokens per item counted by {@code tokenCounter} (for example the Recformer
   * tokenizer over the item's flattened attributes); null leaves the token distribution out.
   */
  public static DatasetStatistics of(Dataset dataset, ToIntFunction<Item> tokenCounter) {
    List<UserHistory> users = dataset.users();
    int[] lengths = new int[users.size()];
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = users.get(i).size();
    }
    Optional<Distribution> tokens = Optional.empty();
    if (tokenCounter != null) {
      int[] counts = new int[dataset.itemCount()];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = tokenCounter.applyAsInt(dataset.items().get(i));
      }
      tokens = Optional.of(Distribution.of(counts));
    }
    return new DatasetStatistics(
        dataset.name(),
        dataset.userCount(),
        dataset.itemCount(),
        dataset.interactionCount(),
        Distribution.of(lengths),
        tokens,
        dataset.fingerprint());
  }

  /** Density: interactions / (users x items). */
  public double density() {
    return users == 0 || items == 0 ? 0 : interactions / ((double) users * items);
  }

  /** A Markdown table of the statistics. */
  public String toMarkdown() {
    StringBuilder md = new StringBuilder();
    md.append("| ").append(name).append(" | |\n|---|---|\n");
    md.append(String.format(Locale.ROOT, "| users | %,d |%n", users));
    md.append(String.format(Locale.ROOT, "| items | %,d |%n", items));
    md.append(String.format(Locale.ROOT, "| interactions | %,d |%n", interactions));
    md.append(String.format(Locale.ROOT, "| density | %.5f |%n", density()));
    md.append("| sequence length | ").append(sequenceLength.summary()).append(" |\n");
    tokensPerItem.ifPresent(
        d -> md.append("| tokens per item | ").append(d.summary()).append(" |\n"));
    md.append("| fingerprint | `").append(fingerprint).append("` |\n");
    return md.toString();
  }
}
