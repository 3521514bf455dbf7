package io.recformer.bench.quality;

import io.recformer.bench.baseline.IndexedExample;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A leave-one-out split in dense catalog indices, plus which items occur in training. The catalog
 * is always the dataset's full catalog (every item is ranked), also when only a slice of the users
 * is evaluated.
 */
final class EvaluationData {

  private final String name;
  private final int itemCount;
  private final List<int[]> train;
  private final List<IndexedExample> validation;
  private final List<IndexedExample> test;
  private final boolean[] inTraining;
  private final int users;

  private EvaluationData(
      String name,
      int itemCount,
      List<int[]> train,
      List<IndexedExample> validation,
      List<IndexedExample> test,
      int users) {
    this.name = name;
    this.itemCount = itemCount;
    this.train = List.copyOf(train);
    this.validation = List.copyOf(validation);
    this.test = List.copyOf(test);
    this.users = users;
    this.inTraining = new boolean[itemCount];
    for (int[] s : train) {
      for (int item : s) {
        inTraining[item] = true;
      }
    }
  }

  /**
   * The split of {@code dataset}, restricted to its first {@code maxUsers} users (all when {@code
   * maxUsers <= 0}).
   */
  static EvaluationData of(Dataset dataset, int maxUsers) {
    Dataset used = dataset;
    if (maxUsers > 0 && maxUsers < dataset.userCount()) {
      used =
          dataset.derive(
              dataset.items(),
              dataset.users().subList(0, maxUsers),
              String.format(Locale.ROOT, "first %d users for a quick run", maxUsers));
    }
    LeaveOneOutSplit split = LeaveOneOutSplit.of(used);
    ItemCatalog catalog = used.items();
    List<int[]> train = new ArrayList<>();
    for (UserHistory h : split.train()) {
      train.add(indices(catalog, h.itemIds()));
    }
    return new EvaluationData(
        used.name(),
        catalog.size(),
        train,
        examples(catalog, split.validation()),
        examples(catalog, split.test()),
        used.userCount());
  }

  private static List<IndexedExample> examples(ItemCatalog catalog, List<Example> examples) {
    List<IndexedExample> out = new ArrayList<>(examples.size());
    for (Example e : examples) {
      out.add(
          new IndexedExample(
              indices(catalog, e.history().itemIds()), catalog.requireIndex(e.targetItemId())));
    }
    return out;
  }

  private static int[] indices(ItemCatalog catalog, List<String> ids) {
    int[] out = new int[ids.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = catalog.requireIndex(ids.get(i));
    }
    return out;
  }

  String name() {
    return name;
  }

  int itemCount() {
    return itemCount;
  }

  int users() {
    return users;
  }

  List<int[]> train() {
    return train;
  }

  List<IndexedExample> validation() {
    return validation;
  }

  List<IndexedExample> test() {
    return test;
  }

  /** True when the item occurs in some user's training part. */
  boolean inTraining(int item) {
    return inTraining[item];
  }

  int trainInteractions() {
    int n = 0;
    for (int[] s : train) {
      n += s.length;
    }
    return n;
  }
}
