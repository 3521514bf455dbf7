package io.recformer.serve;

import io.recformer.core.item.UserHistory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The users the service knows by id (a dataset's user histories, oldest item first), so that a
 * client can ask for "recommendations for user X" without sending the history.
 */
public final class UserDirectory {

  private final Map<String, UserHistory> byId;

  private UserDirectory(Map<String, UserHistory> byId) {
    this.byId = byId;
  }

  /**
   * The users in their given order.
   *
   * @throws IllegalArgumentException if two users share an id
   */
  public static UserDirectory of(List<UserHistory> users) {
    Objects.requireNonNull(users, "users");
    Map<String, UserHistory> byId = new LinkedHashMap<>();
    for (UserHistory user : users) {
      if (byId.putIfAbsent(user.userId(), user) != null) {
        throw new IllegalArgumentException("user id '" + user.userId() + "' appears twice");
      }
    }
    return new UserDirectory(byId);
  }

  /** No users: recommendations only for histories given in the request. */
  public static UserDirectory empty() {
    return new UserDirectory(Map.of());
  }

  public Optional<UserHistory> user(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  public int size() {
    return byId.size();
  }

  /**
   * Up to {@code limit} users whose id contains {@code query} (ignoring case), those whose id
   * starts with it first, each group in the directory's order; an empty query lists the first
   * users.
   */
  public List<UserHistory> search(String query, int limit) {
    String needle = query.toLowerCase(Locale.ROOT);
    List<UserHistory> prefix = new ArrayList<>();
    List<UserHistory> inside = new ArrayList<>();
    for (UserHistory user : byId.values()) {
      if (prefix.size() >= limit) {
        break;
      }
      String id = user.userId().toLowerCase(Locale.ROOT);
      if (id.startsWith(needle)) {
        prefix.add(user);
      } else if (inside.size() < limit && id.contains(needle)) {
        inside.add(user);
      }
    }
    List<UserHistory> out = new ArrayList<>(prefix);
    for (UserHistory user : inside) {
      if (out.size() >= limit) {
        break;
      }
      out.add(user);
    }
    return out;
  }
}
