package io.recformer.bench.quality;

import io.recformer.bench.baseline.IndexedExample;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A leave-one-out split in dense catalog indices, plus which items occur in training. The catalog
 * is always the dataset's full catalog (every item is ranked), and training always holds every
 * user's training part: a subsample ({@code maxUsers}) only thins the validation and test users, so
 * a quick run scores the same models a full run would train.
 */
final class EvaluationData {

  private final String name;
  private final int itemCount;
  private final List<int[]> train;
  private final List<IndexedExample> validation;
  private final List<IndexedExample> test;
  private final boolean[] inTraining;
  private final int users;
  private final int evaluatedUsers;

  private EvaluationData(
      String name,
      int itemCount,
      List<int[]> train,
      List<IndexedExample> validation,
      List<IndexedExample> test,
      int users,
      int evaluatedUsers) {
    this.name = name;
    this.itemCount = itemCount;
    this.train = List.copyOf(train);
    this.validation = List.copyOf(validation);
    this.test = List.copyOf(test);
    this.users = users;
    this.evaluatedUsers = evaluatedUsers;
    this.inTraining = new boolean[itemCount];
    for (int[] s : train) {
      for (int item : s) {
        inTraining[item] = true;
      }
    }
  }

  /**
   * The split of {@code dataset} with every user's training part; when {@code 0 < maxUsers <} the
   * number of evaluated users, validation and test keep only {@code maxUsers} users drawn without
   * replacement with {@code seed} (the same users in both).
   */
  static EvaluationData of(Dataset dataset, int maxUsers, long seed) {
    LeaveOneOutSplit split = LeaveOneOutSplit.of(dataset);
    ItemCatalog catalog = dataset.items();
    List<int[]> train = new ArrayList<>();
    for (UserHistory h : split.train()) {
      train.add(indices(catalog, h.itemIds()));
    }
    List<Example> validation = split.validation();
    List<Example> test = split.test();
    Set<String> evaluated = new LinkedHashSet<>();
    test.forEach(e -> evaluated.add(e.userId()));
    validation.forEach(e -> evaluated.add(e.userId()));
    if (maxUsers > 0 && maxUsers < evaluated.size()) {
      List<String> order = new ArrayList<>(evaluated);
      Collections.shuffle(order, new Random(seed));
      Set<String> kept = new HashSet<>(order.subList(0, maxUsers));
      validation = validation.stream().filter(e -> kept.contains(e.userId())).toList();
      test = test.stream().filter(e -> kept.contains(e.userId())).toList();
      evaluated.retainAll(kept);
    }
    return new EvaluationData(
        dataset.name(),
        catalog.size(),
        train,
        examples(catalog, validation),
        examples(catalog, test),
        dataset.userCount(),
        evaluated.size());
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

  /** Users in the dataset (all of them train). */
  int users() {
    return users;
  }

  /** Users with a validation or test example that are evaluated (all unless subsampled). */
  int evaluatedUsers() {
    return evaluatedUsers;
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
