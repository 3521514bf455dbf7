package io.recformer.cli;

import java.util.Locale;

/**
 * How much work the quickstart does: sequence length, training samples and minutes, evaluation
 * subsamples and, for the smallest budget, a slice of the users. Budgets are named presets that
 * explicit options may override one field at a time.
 *
 * @param name the preset's name, with a star when an option overrode a field
 * @param maxTokens tokens per sequence, [CLS] included; fewer tokens make every forward pass
 *     cheaper at the cost of dropping the oldest history items (the paper uses 1024)
 * @param users users kept (the first N of the dataset, with only the items they touch); 0 = all.
 *     Only the tiny budget slices, so its catalog is small enough to encode in seconds
 * @param samplesPerEpoch training samples per epoch; smaller epochs validate more often
 * @param validationUsers validation users in model selection (seeded subsample; 0 = all)
 * @param testUsers test users in the zero-shot and final evaluations (seeded subsample; 0 = all)
 * @param stage1Minutes wall-clock budget of the first (or only) fine-tuning stage
 * @param stage2Minutes wall-clock budget of stage 2 of Algorithm 1; 0 = no Algorithm 1: the encoder
 *     and the zero-shot item matrix trained together, the matrix as a parameter. Stage 1 re-encodes
 *     the whole catalog with DJL every epoch, minutes per pass on 2 cores, so the presets skip it
 * @param epochs upper bound of epochs per stage
 */
record QuickstartBudget(
    String name,
    int maxTokens,
    int users,
    int samplesPerEpoch,
    int validationUsers,
    int testUsers,
    double stage1Minutes,
    double stage2Minutes,
    int epochs) {

  QuickstartBudget {
    if (maxTokens < 8) {
      throw new IllegalArgumentException("--max-tokens = " + maxTokens + " must be >= 8");
    }
    nonNegative("--users", users);
    positive("--samples-per-epoch", samplesPerEpoch);
    nonNegative("--validation-users", validationUsers);
    nonNegative("--test-users", testUsers);
    positive("--epochs", epochs);
    if (!(stage1Minutes > 0)
        || !(stage2Minutes >= 0)
        || !Double.isFinite(stage1Minutes + stage2Minutes)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "training minutes (stage 1 %.2f, stage 2 %.2f) must be > 0 for stage 1 and >= 0 for"
                  + " stage 2",
              stage1Minutes,
              stage2Minutes));
    }
  }

  /**
   * About 11 minutes on 2 idle cores: 128 tokens, 4,000 test users, 4 minutes of training (the
   * encoder and the zero-shot item matrix together, the matrix as a parameter) in epochs of 256
   * samples, validation on 200 users. 4,000 test users (about 4.5 minutes of the run, both
   * evaluations) bring the standard error of NDCG@10 near 0.0025, half the gain fine-tuning gave on
   * 1,000 users, where the gain was within one standard error.
   */
  static final QuickstartBudget DEFAULT =
      new QuickstartBudget("default", 128, 0, 256, 200, 4000, 4.0, 0.0, 8);

  /**
   * About a minute on 2 idle cores: the first 40 users and their items, 32 tokens, one epoch of 16
   * samples; for tests and a first look, not for numbers.
   */
  static final QuickstartBudget TINY =
      new QuickstartBudget("tiny", 32, 40, 16, 20, 0, 0.05, 0.0, 1);

  static QuickstartBudget named(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "default" -> DEFAULT;
      case "tiny" -> TINY;
      default ->
          throw new IllegalArgumentException(
              "--budget '" + name + "' is unknown: expected default or tiny");
    };
  }

  /** Both stages of Algorithm 1 when stage 2 has minutes of its own, else stage 2 alone. */
  boolean bothStages() {
    return stage2Minutes > 0;
  }

  /** Total training minutes (both stages). */
  double trainingMinutes() {
    return stage1Minutes + stage2Minutes;
  }

  /**
   * This budget with the total training time split between the stages in the preset's proportion.
   */
  QuickstartBudget withTrainingMinutes(double minutes) {
    double share = stage1Minutes / trainingMinutes();
    return new QuickstartBudget(
        starred(),
        maxTokens,
        users,
        samplesPerEpoch,
        validationUsers,
        testUsers,
        minutes * share,
        minutes * (1 - share),
        epochs);
  }

  QuickstartBudget withTestUsers(int n) {
    return new QuickstartBudget(
        starred(),
        maxTokens,
        users,
        samplesPerEpoch,
        validationUsers,
        n,
        stage1Minutes,
        stage2Minutes,
        epochs);
  }

  QuickstartBudget withMaxTokens(int n) {
    return new QuickstartBudget(
        starred(),
        n,
        users,
        samplesPerEpoch,
        validationUsers,
        testUsers,
        stage1Minutes,
        stage2Minutes,
        epochs);
  }

  QuickstartBudget withSamplesPerEpoch(int n) {
    return new QuickstartBudget(
        starred(),
        maxTokens,
        users,
        n,
        validationUsers,
        testUsers,
        stage1Minutes,
        stage2Minutes,
        epochs);
  }

  QuickstartBudget withUsers(int n) {
    return new QuickstartBudget(
        starred(),
        maxTokens,
        n,
        samplesPerEpoch,
        validationUsers,
        testUsers,
        stage1Minutes,
        stage2Minutes,
        epochs);
  }

  /** The name marked as overridden (once). */
  private String starred() {
    return name.endsWith("*") ? name : name + "*";
  }

  private static void nonNegative(String option, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(option + " = " + value + " must be >= 0 (0 = all)");
    }
  }

  private static void positive(String option, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(option + " = " + value + " must be >= 1");
    }
  }
}
