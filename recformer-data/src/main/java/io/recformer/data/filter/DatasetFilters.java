package io.recformer.data.filter;

import io.recformer.core.item.AttributeLayout;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Filters over a {@link Dataset}. Each returns a new dataset (the input is unchanged) and appends a
 * step to its provenance, so a saved dataset records how it was made. Typical paper-style use:
 * {@code deduplicate -> sortChronologically -> minUserInteractions(4) -> selectAttributes(PAPER)}.
 */
public final class DatasetFilters {

  private static final Logger LOG = LoggerFactory.getLogger(DatasetFilters.class);

  private DatasetFilters() {}

  /**
   * Keeps users with at least {@code min} interactions (the original Recformer keeps users with at
   * least 4; leave-one-out needs 3). Items are kept even if no remaining user has them; use {@link
   * #dropUnusedItems} to remove those.
   */
  public static Dataset minUserInteractions(Dataset dataset, int min) {
    if (min < 1) {
      throw new IllegalArgumentException("min interactions per user must be >= 1, got " + min);
    }
    List<UserHistory> kept = dataset.users().stream().filter(u -> u.size() >= min).toList();
    LOG.info("minUserInteractions({}): kept {} of {} users", min, kept.size(), dataset.userCount());
    return dataset.derive(dataset.items(), kept, "minUserInteractions(" + min + ")");
  }

  /**
   * Iterative k-core: removes users with fewer than {@code k} interactions and items with fewer
   * than {@code k} interactions, repeating until both hold (removing an item can push a user below
   * k and the other way round). Removed items leave the catalog.
   */
  public static Dataset kCore(Dataset dataset, int k) {
    return kCore(dataset, k, k);
  }

  /**
   * Iterative core with separate thresholds: at the end every user has at least {@code minPerUser}
   * and every item at least {@code minPerItem} interactions.
   */
  public static Dataset kCore(Dataset dataset, int minPerUser, int minPerItem) {
    if (minPerUser < 1 || minPerItem < 1) {
      throw new IllegalArgumentException(
          "k-core thresholds must be >= 1, got users " + minPerUser + ", items " + minPerItem);
    }
    List<UserHistory> users = dataset.users();
    int rounds = 0;
    while (true) {
      rounds++;
      Map<String, Integer> itemCounts = new HashMap<>();
      for (UserHistory user : users) {
        for (String item : user.itemIds()) {
          itemCounts.merge(item, 1, Integer::sum);
        }
      }
      Set<String> weak = new HashSet<>();
      itemCounts.forEach(
          (item, count) -> {
            if (count < minPerItem) {
              weak.add(item);
            }
          });
      boolean changed = !weak.isEmpty();
      List<UserHistory> next = new ArrayList<>(users.size());
      for (UserHistory user : users) {
        UserHistory filtered = weak.isEmpty() ? user : without(user, weak);
        if (filtered.size() >= minPerUser) {
          next.add(filtered);
        } else {
          changed = true;
        }
      }
      users = next;
      if (!changed) {
        break;
      }
    }
    Set<String> used = usedItems(users);
    List<Item> items = dataset.items().items().stream().filter(i -> used.contains(i.id())).toList();
    String step =
        minPerUser == minPerItem
            ? "kCore(" + minPerUser + ")"
            : "kCore(users>=" + minPerUser + ", items>=" + minPerItem + ")";
    LOG.info("{}: {} rounds, {} users, {} items left", step, rounds, users.size(), items.size());
    return dataset.derive(ItemCatalog.of(items), users, step);
  }

  /** Applies a duplicate policy to repeated (user, item) pairs. */
  public static Dataset deduplicate(Dataset dataset, DuplicatePolicy policy) {
    Objects.requireNonNull(policy, "policy");
    if (policy == DuplicatePolicy.KEEP_ALL) {
      return dataset.derive(dataset.items(), dataset.users(), "deduplicate(KEEP_ALL)");
    }
    List<UserHistory> users = new ArrayList<>(dataset.userCount());
    long removed = 0;
    for (UserHistory user : dataset.users()) {
      int n = user.size();
      boolean[] keep = new boolean[n];
      switch (policy) {
        case KEEP_FIRST -> {
          Set<String> seen = new HashSet<>();
          for (int i = 0; i < n; i++) {
            keep[i] = seen.add(user.itemIds().get(i));
          }
        }
        case KEEP_LAST -> {
          Set<String> seen = new HashSet<>();
          for (int i = n - 1; i >= 0; i--) {
            keep[i] = seen.add(user.itemIds().get(i));
          }
        }
        case COLLAPSE_CONSECUTIVE -> {
          for (int i = 0; i < n; i++) {
            keep[i] = i == 0 || !user.itemIds().get(i).equals(user.itemIds().get(i - 1));
          }
        }
        default -> throw new IllegalStateException("unhandled policy " + policy);
      }
      UserHistory filtered = select(user, keep);
      removed += n - filtered.size();
      users.add(filtered);
    }
    LOG.info("deduplicate({}): removed {} interactions", policy, removed);
    return dataset.derive(dataset.items(), users, "deduplicate(" + policy + ")");
  }

  /**
   * Sorts every history by timestamp, breaking ties as asked. Fails when some user has no
   * timestamps: an order cannot be invented.
   */
  public static Dataset sortChronologically(Dataset dataset, TieBreak tieBreak) {
    Objects.requireNonNull(tieBreak, "tieBreak");
    List<UserHistory> users = new ArrayList<>(dataset.userCount());
    for (UserHistory user : dataset.users()) {
      if (!user.hasTimestamps()) {
        throw new IllegalArgumentException(
            "cannot sort user '"
                + user.userId()
                + "' chronologically: the dataset has no timestamps for it (its order is the source"
                + " order)");
      }
      Integer[] order = new Integer[user.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Comparator<Integer> byTime = Comparator.comparingLong(i -> user.timestamps().get(i));
      if (tieBreak == TieBreak.ITEM_ID) {
        byTime = byTime.thenComparing(i -> user.itemIds().get(i));
      }
      // Arrays.sort on objects is stable: INPUT_ORDER ties keep their order.
      Arrays.sort(order, byTime);
      List<String> ids = new ArrayList<>(order.length);
      List<Long> times = new ArrayList<>(order.length);
      for (int i : order) {
        ids.add(user.itemIds().get(i));
        times.add(user.timestamps().get(i));
      }
      users.add(new UserHistory(user.userId(), ids, times));
    }
    return dataset.derive(dataset.items(), users, "sortChronologically(" + tieBreak + ")");
  }

  /**
   * Keeps only the layout's attributes, in the layout's order (for example {@link
   * AttributeLayout#PAPER}). Fails when a layout key occurs in no item (a typo would otherwise
   * silently drop an attribute). Items left with no text are dropped with their interactions.
   */
  public static Dataset selectAttributes(Dataset dataset, AttributeLayout layout) {
    layout.validateAgainst(dataset.items());
    List<Item> items = new ArrayList<>(dataset.itemCount());
    Set<String> dropped = new HashSet<>();
    for (Item item : dataset.items().items()) {
      Item selected = layout.apply(item);
      if (selected.hasText()) {
        items.add(selected);
      } else {
        dropped.add(item.id());
      }
    }
    List<UserHistory> users = new ArrayList<>(dataset.userCount());
    for (UserHistory user : dataset.users()) {
      UserHistory filtered = dropped.isEmpty() ? user : without(user, dropped);
      if (filtered.size() > 0) {
        users.add(filtered);
      }
    }
    if (!dropped.isEmpty()) {
      LOG.info(
          "selectAttributes({}): dropped {} items left without text",
          layout.keys(),
          dropped.size());
    }
    return dataset.derive(
        ItemCatalog.of(items), users, "selectAttributes(" + String.join(",", layout.keys()) + ")");
  }

  /** Removes catalog items no history mentions (catalog order is kept). */
  public static Dataset dropUnusedItems(Dataset dataset) {
    Set<String> used = usedItems(dataset.users());
    List<Item> items = dataset.items().items().stream().filter(i -> used.contains(i.id())).toList();
    return dataset.derive(ItemCatalog.of(items), dataset.users(), "dropUnusedItems");
  }

  private static Set<String> usedItems(List<UserHistory> users) {
    Set<String> used = new HashSet<>();
    users.forEach(u -> used.addAll(u.itemIds()));
    return used;
  }

  private static UserHistory without(UserHistory user, Set<String> items) {
    boolean[] keep = new boolean[user.size()];
    for (int i = 0; i < keep.length; i++) {
      keep[i] = !items.contains(user.itemIds().get(i));
    }
    return select(user, keep);
  }

  private static UserHistory select(UserHistory user, boolean[] keep) {
    List<String> ids = new ArrayList<>(keep.length);
    List<Long> times = new ArrayList<>(user.hasTimestamps() ? keep.length : 0);
    for (int i = 0; i < keep.length; i++) {
      if (keep[i]) {
        ids.add(user.itemIds().get(i));
        if (user.hasTimestamps()) {
          times.add(user.timestamps().get(i));
        }
      }
    }
    return new UserHistory(user.userId(), ids, times);
  }
}
