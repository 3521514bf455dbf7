package io.recformer.data.importer;

import io.recformer.core.item.UserHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * User histories collected from item sequences of a processed dataset. Interactions with items
 * dropped for lack of text are left out and counted ({@code
 * dropped.interaction-item-without-text}), and so is a user left with no item ({@code
 * dropped.user-without-known-items}), so every format reports what it dropped under the same keys.
 */
final class Histories {

  private final ImportRun run;
  private final List<UserHistory> users = new ArrayList<>();

  Histories(ImportRun run) {
    this.run = run;
  }

  /** Adds a sequence of item indices; {@code idWithText} gives null for a dropped item. */
  void add(String user, int[] sequence, IntFunction<String> idWithText) {
    List<String> kept = new ArrayList<>(sequence.length);
    for (int index : sequence) {
      String id = idWithText.apply(index);
      if (id == null) {
        run.count("dropped.interaction-item-without-text");
      } else {
        kept.add(id);
      }
    }
    addKept(user, kept);
  }

  /** Adds a sequence of item ids, keeping those that {@code hasText}. */
  void add(String user, List<String> ids, Predicate<String> hasText) {
    List<String> kept = new ArrayList<>(ids.size());
    for (String id : ids) {
      if (hasText.test(id)) {
        kept.add(id);
      } else {
        run.count("dropped.interaction-item-without-text");
      }
    }
    addKept(user, kept);
  }

  /** Adds a sequence already reduced to items with text. */
  void addKept(String user, List<String> kept) {
    if (kept.isEmpty()) {
      run.count("dropped.user-without-known-items");
    } else {
      users.add(UserHistory.of(user, kept));
    }
  }

  List<UserHistory> list() {
    return users;
  }
}
