package io.recformer.data.split;

import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Leave-one-out split (reference section 6): for a user with n >= 3 interactions the last item is
 * the test target, the second-last the validation target, and the first n-2 are training data.
 * Validation input = the training items; test input = the training items plus the validation item.
 * Users with fewer than 3 interactions cannot be evaluated; like the original they contribute their
 * whole sequence to training only ({@link #trainOnlyUsers()} counts them).
 */
public final class LeaveOneOutSplit {

  private final Dataset dataset;
  private final List<UserHistory> train;
  private final List<Example> validation;
  private final List<Example> test;
  private final int trainOnlyUsers;

  private LeaveOneOutSplit(Dataset dataset) {
    this.dataset = dataset;
    List<UserHistory> trainList = new ArrayList<>(dataset.userCount());
    List<Example> validationList = new ArrayList<>(dataset.userCount());
    List<Example> testList = new ArrayList<>(dataset.userCount());
    int trainOnly = 0;
    for (UserHistory user : dataset.users()) {
      int n = user.size();
      if (n < 3) {
        trainList.add(user);
        trainOnly++;
        continue;
      }
      UserHistory trainPart = user.prefix(n - 2);
      trainList.add(trainPart);
      validationList.add(new Example(trainPart, user.itemIds().get(n - 2)));
      testList.add(new Example(user.prefix(n - 1), user.itemIds().get(n - 1)));
    }
    this.train = List.copyOf(trainList);
    this.validation = List.copyOf(validationList);
    this.test = List.copyOf(testList);
    this.trainOnlyUsers = trainOnly;
  }

  public static LeaveOneOutSplit of(Dataset dataset) {
    return new LeaveOneOutSplit(Objects.requireNonNull(dataset, "dataset"));
  }

  public Dataset dataset() {
    return dataset;
  }

  /**
   * Training sequences: the first n-2 items of each evaluable user, the whole sequence of the
   * others.
   */
  public List<UserHistory> train() {
    return train;
  }

  /** Validation examples: input = training items, target = second-last item. */
  public List<Example> validation() {
    return validation;
  }

  /** Test examples: input = training items + validation item, target = last item. */
  public List<Example> test() {
    return test;
  }

  /** Users with fewer than 3 interactions, present in training only. */
  public int trainOnlyUsers() {
    return trainOnlyUsers;
  }
}
