package io.recformer.data.dataset;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Several datasets seen as one, for cross-domain pre-training: every item id and user id is
 * prefixed with its source's namespace ({@code scientific/B00X...}), so two domains that reuse an
 * id (Amazon ASINs, RecBole's integer tokens) never share an item or a user. Histories stay within
 * their domain; a sampler drawing users from the combined list draws from every domain. The
 * provenance names every source with its own fingerprint and provenance, in order.
 */
public final class CombinedDataset {

  /** Separator between a namespace and the source's own id. */
  public static final String SEPARATOR = "/";

  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private CombinedDataset() {}

  /** A named source: the dataset and the namespace its ids get. */
  public record Source(String namespace, Dataset dataset) {
    public Source {
      if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
        throw new IllegalArgumentException(
            "namespace '"
                + namespace
                + "' must be letters, digits, '.', '_' or '-' (starting with a letter or digit)");
      }
      if (dataset == null) {
        throw new IllegalArgumentException("dataset of namespace '" + namespace + "' is null");
      }
    }
  }

  /**
   * Combines the sources in order: the catalog is every source's items in order, the users every
   * source's users in order, all ids namespaced. One source is returned namespaced too, so a
   * pre-training run's ids do not depend on how many sources it had.
   *
   * @throws IllegalArgumentException if there are no sources or two share a namespace
   */
  public static Dataset of(List<Source> sources) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("a combined dataset needs at least one source");
    }
    Set<String> seen = new HashSet<>();
    List<Item> items = new ArrayList<>();
    List<UserHistory> users = new ArrayList<>();
    Map<String, String> provenance = new LinkedHashMap<>();
    StringBuilder name = new StringBuilder();
    provenance.put("combined.sources", Integer.toString(sources.size()));
    for (int s = 0; s < sources.size(); s++) {
      Source source = sources.get(s);
      if (!seen.add(source.namespace())) {
        throw new IllegalArgumentException(
            "two sources share the namespace '"
                + source.namespace()
                + "'; give each dataset its own name");
      }
      String prefix = source.namespace() + SEPARATOR;
      Dataset dataset = source.dataset();
      for (Item item : dataset.items().items()) {
        items.add(new Item(prefix + item.id(), item.attributes()));
      }
      for (UserHistory user : dataset.users()) {
        List<String> ids = new ArrayList<>(user.size());
        for (String id : user.itemIds()) {
          ids.add(prefix + id);
        }
        users.add(new UserHistory(prefix + user.userId(), ids, user.timestamps()));
      }
      String key = "combined.source." + (s + 1);
      provenance.put(key + ".namespace", source.namespace());
      provenance.put(key + ".name", dataset.name());
      provenance.put(key + ".fingerprint", dataset.fingerprint());
      provenance.put(
          key + ".counts",
          dataset.userCount()
              + " users, "
              + dataset.itemCount()
              + " items, "
              + dataset.interactionCount()
              + " interactions");
      dataset.provenance().forEach((k, v) -> provenance.put(key + "." + k, v));
      name.append(s == 0 ? "" : "+").append(source.namespace());
    }
    return Dataset.of(name.toString(), ItemCatalog.of(items), users, provenance);
  }

  /** The namespace of a combined id ({@code scientific/B00X} gives {@code scientific}). */
  public static String namespaceOf(String combinedId) {
    int at = combinedId.indexOf(SEPARATOR);
    if (at <= 0) {
      throw new IllegalArgumentException("'" + combinedId + "' is not a namespaced id");
    }
    return combinedId.substring(0, at);
  }
}
