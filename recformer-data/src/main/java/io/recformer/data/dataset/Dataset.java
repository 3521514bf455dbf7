package io.recformer.data.dataset;

import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A recommendation dataset in canonical form: items with ordered text attributes and one
 * chronological history per user. Every item a history mentions is in the catalog; user ids are
 * unique. Immutable; filters return new datasets.
 *
 * <p>The provenance map records where the data came from and what was done to it (importer, source
 * files, filters in order); it is saved in the manifest but is not part of the {@linkplain
 * #fingerprint() fingerprint}, which covers content only.
 */
public final class Dataset {

  private final String name;
  private final ItemCatalog items;
  private final List<UserHistory> users;
  private final Map<String, String> provenance;
  private final long interactions;
  private volatile String fingerprint;

  private Dataset(
      String name, ItemCatalog items, List<UserHistory> users, Map<String, String> provenance) {
    this.name = Objects.requireNonNull(name, "dataset name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("dataset name must not be blank");
    }
    this.items = Objects.requireNonNull(items, "items");
    this.users = List.copyOf(Objects.requireNonNull(users, "users"));
    this.provenance =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(Objects.requireNonNull(provenance, "provenance")));
    Set<String> userIds = new HashSet<>(this.users.size() * 2);
    long count = 0;
    for (UserHistory user : this.users) {
      if (!userIds.add(user.userId())) {
        throw new IllegalArgumentException(
            "dataset '" + name + "' has user '" + user.userId() + "' twice");
      }
      for (String itemId : user.itemIds()) {
        if (!items.contains(itemId)) {
          throw new IllegalArgumentException(
              "user '"
                  + user.userId()
                  + "' of dataset '"
                  + name
                  + "' interacted with item '"
                  + itemId
                  + "', which is not in the catalog of "
                  + items.size()
                  + " items");
        }
      }
      count += user.size();
    }
    this.interactions = count;
  }

  /** A dataset; fails when a history names an item outside the catalog or a user id repeats. */
  public static Dataset of(String name, ItemCatalog items, List<UserHistory> users) {
    return new Dataset(name, items, users, Map.of());
  }

  public static Dataset of(
      String name, ItemCatalog items, List<UserHistory> users, Map<String, String> provenance) {
    return new Dataset(name, items, users, provenance);
  }

  /**
   * Reads a dataset directory written by {@link #write(Path)}, checking format version, counts and
   * fingerprint.
   */
  public static Dataset read(Path directory) throws IOException {
    return DatasetReader.read(directory);
  }

  /**
   * True when {@code directory} holds a dataset written by {@link #write(Path)} (it has the
   * manifest), whether or not the rest of it is intact: {@link #read} checks that.
   */
  public static boolean isSaved(Path directory) {
    return Files.isRegularFile(directory.resolve(DatasetStore.MANIFEST));
  }

  /**
   * Writes this dataset into {@code directory} atomically: everything goes into a hidden temporary
   * directory next to it, which is moved into place only once complete. An existing dataset there
   * is replaced; any other existing non-empty directory is refused.
   */
  public DatasetManifest write(Path directory) throws IOException {
    return DatasetStore.write(this, directory);
  }

  public String name() {
    return name;
  }

  public ItemCatalog items() {
    return items;
  }

  public List<UserHistory> users() {
    return users;
  }

  public Map<String, String> provenance() {
    return provenance;
  }

  public int userCount() {
    return users.size();
  }

  public int itemCount() {
    return items.size();
  }

  public long interactionCount() {
    return interactions;
  }

  /** True when every user has timestamps (and there is at least one user). */
  public boolean hasTimestamps() {
    if (users.isEmpty()) {
      return false;
    }
    for (UserHistory user : users) {
      if (!user.hasTimestamps()) {
        return false;
      }
    }
    return true;
  }

  /**
   * SHA-256 over a canonical serialization of items (in catalog order, attributes in order) and
   * users (in order, with timestamps), as {@code sha256:<hex>}. Independent of the file layout, the
   * name and the provenance: two datasets with equal content have equal fingerprints.
   */
  public String fingerprint() {
    String result = fingerprint;
    if (result == null) {
      result = Fingerprint.of(items, users);
      fingerprint = result;
    }
    return result;
  }

  /** The same content under a new name with more provenance entries appended. */
  public Dataset withProvenance(Map<String, String> more) {
    Map<String, String> merged = new LinkedHashMap<>(provenance);
    merged.putAll(more);
    return new Dataset(name, items, users, merged);
  }

  /** A dataset with the same name and provenance plus one more step. */
  public Dataset derive(ItemCatalog newItems, List<UserHistory> newUsers, String step) {
    Map<String, String> merged = new LinkedHashMap<>(provenance);
    int n = 1;
    while (merged.containsKey("step." + n)) {
      n++;
    }
    merged.put("step." + n, step);
    return new Dataset(name, newItems, newUsers, merged);
  }

  public Dataset withName(String newName) {
    return new Dataset(newName, items, users, provenance);
  }

  @Override
  public String toString() {
    return "Dataset["
        + name
        + ": "
        + users.size()
        + " users, "
        + items.size()
        + " items, "
        + interactions
        + " interactions]";
  }
}
