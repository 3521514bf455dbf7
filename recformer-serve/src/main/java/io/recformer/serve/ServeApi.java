package io.recformer.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import io.recformer.core.item.UserHistory;
import io.recformer.infer.recommend.Health;
import io.recformer.infer.recommend.RecommendOptions;
import io.recformer.infer.recommend.Recommendation;
import io.recformer.infer.recommend.Recommender;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The JSON endpoints: each method takes the parsed request and returns the response document, or
 * throws {@link ApiException} naming the field at fault. docs/serve.md documents every field.
 */
final class ServeApi {

  static final int MAX_LOCATE = 10;
  static final int MAX_SEARCH = 100;
  static final int MAX_ID_CHARS = 256;
  static final int MAX_ATTRIBUTES = 64;

  private static final Set<String> RECOMMEND_FIELDS =
      new LinkedHashSet<>(List.of("user", "items", "k", "history", "historyPenalty", "locate"));
  private static final Set<String> ADD_FIELDS = Set.of("items");
  private static final Set<String> ITEM_FIELDS = new LinkedHashSet<>(List.of("id", "attributes"));

  private final ObjectMapper json;
  private final Recommender recommender;
  private final UserDirectory users;
  private final ServeOptions options;

  ServeApi(ObjectMapper json, Recommender recommender, UserDirectory users, ServeOptions options) {
    this.json = json;
    this.recommender = recommender;
    this.users = users;
    this.options = options;
  }

  /** {@code GET /api/health}: the catalog's verification state and size. */
  ObjectNode health(long uptimeMillis, int inFlight) {
    Health health = recommender.health();
    ObjectNode root = json.createObjectNode();
    root.put(
        "status",
        switch (health.status()) {
          case HEALTHY -> "ok";
          case VERIFYING -> "verifying";
          case UNHEALTHY -> "unhealthy";
        });
    ObjectNode catalog = root.putObject("catalog");
    catalog.put("health", health.status().name());
    catalog.put("detail", health.detail());
    catalog.put("items", recommender.size());
    catalog.put("generation", recommender.catalog().generation());
    catalog.put("directory", recommender.catalog().directory().map(Object::toString).orElse(null));
    catalog.put("modelFingerprint", recommender.catalog().index().fingerprint());
    root.put("users", users.size());
    root.put("inFlight", inFlight);
    root.put("uptimeSeconds", uptimeMillis / 1000);
    return root;
  }

  /** {@code GET /api/users?q=&limit=}: users whose id contains {@code q}. */
  ObjectNode searchUsers(Map<String, String> query) {
    String q = query.getOrDefault("q", "");
    int limit = queryInt(query, "limit", 20, 1, MAX_SEARCH);
    ObjectNode root = json.createObjectNode();
    root.put("query", q);
    root.put("total", users.size());
    ArrayNode list = root.putArray("users");
    for (UserHistory user : users.search(q, limit)) {
      list.addObject().put("id", user.userId()).put("historyLength", user.size());
    }
    return root;
  }

  /** {@code GET /api/users/{id}}: the user's history with titles, oldest first. */
  ObjectNode user(String id) {
    UserHistory user =
        users
            .user(id)
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "id", "unknown user id '" + id + "' (" + users.size() + " users known)"));
    ObjectNode root = json.createObjectNode();
    root.put("id", user.userId());
    ArrayNode history = root.putArray("history");
    for (String itemId : user.itemIds()) {
      ObjectNode node = history.addObject();
      node.put("id", itemId);
      node.put("title", recommender.item(itemId).map(Item::title).orElse(null));
    }
    return root;
  }

  /** {@code GET /api/items/{id}}. */
  ObjectNode item(String id) {
    Item item =
        recommender
            .item(id)
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "id",
                        "unknown item id '" + id + "' (" + recommender.size() + " items known)"));
    return itemNode(item);
  }

  /** {@code POST /api/recommend}. */
  ObjectNode recommend(byte[] body) {
    JsonNode request = RequestJson.object(json, body, RECOMMEND_FIELDS);
    String userId = RequestJson.optionalText(request, "user");
    List<String> items = RequestJson.strings(request, "items", options.maxHistory());
    if ((userId == null) == (items == null)) {
      throw ApiException.badRequest(
          userId == null ? "user" : "items",
          "give exactly one of 'user' (a user id) and 'items' (item ids, oldest first)");
    }
    List<String> history;
    if (userId != null) {
      history =
          users
              .user(userId)
              .orElseThrow(
                  () ->
                      ApiException.notFound(
                          "user",
                          "unknown user id '"
                              + userId
                              + "' ("
                              + users.size()
                              + " users known; give their items with 'items' instead)"))
              .itemIds();
    } else {
      if (items.isEmpty()) {
        throw ApiException.badRequest("items", "'items' is empty: give at least one item id");
      }
      requireKnown(items, "items");
      history = items;
    }
    int k = RequestJson.integer(request, "k", 10, 1, options.maxK());
    RecommendOptions cut = historyPolicy(request);
    List<String> locate = RequestJson.strings(request, "locate", MAX_LOCATE);
    if (locate == null) {
      locate = List.of();
    }
    requireKnown(locate, "locate");

    int depth = locate.isEmpty() ? k : Math.max(k, Math.min(options.locateDepth(), size()));
    List<Recommendation> ranked = recommender.recommend(history, depth, cut);
    ObjectNode root = json.createObjectNode();
    ObjectNode query = root.putObject("query");
    if (userId != null) {
      query.put("user", userId);
    } else {
      query.put("items", history.size());
    }
    root.put("historyItems", history.size());
    root.put("k", k);
    root.put(
        "history",
        cut.excludeHistory() ? "exclude" : cut.historyPenalty() > 0 ? "penalty" : "include");
    root.put("historyPenalty", cut.historyPenalty());
    ArrayNode list = root.putArray("recommendations");
    for (Recommendation r : ranked.subList(0, Math.min(k, ranked.size()))) {
      list.add(recommendationNode(r));
    }
    if (!locate.isEmpty()) {
      ArrayNode located = root.putArray("located");
      Set<String> inHistory = new HashSet<>(history);
      for (String id : locate) {
        located.add(locate(id, ranked, depth, history, cut, inHistory.contains(id)));
      }
    }
    return root;
  }

  private ObjectNode locate(
      String id,
      List<Recommendation> ranked,
      int depth,
      List<String> history,
      RecommendOptions cut,
      boolean inHistory) {
    ObjectNode node = json.createObjectNode();
    node.put("id", id);
    node.put("inHistory", inHistory);
    for (Recommendation r : ranked) {
      if (r.itemId().equals(id)) {
        node.put("rank", r.rank() + 1);
        node.put("score", r.score());
        return node;
      }
    }
    node.putNull("rank");
    List<Recommendation> alone = recommender.recommend(history, 1, cut.withFilter(id::equals));
    if (alone.isEmpty()) {
      node.putNull("score"); // a history item with the history excluded
    } else {
      node.put("score", alone.get(0).score());
      node.put("beyond", depth);
    }
    return node;
  }

  private RecommendOptions historyPolicy(JsonNode request) {
    String policy = RequestJson.optionalText(request, "history");
    JsonNode penaltyNode = request.get("historyPenalty");
    Double penalty = null;
    if (penaltyNode != null && !penaltyNode.isNull()) {
      if (!penaltyNode.isNumber()
          || !(penaltyNode.asDouble() >= 0)
          || Double.isInfinite(penaltyNode.asDouble())) {
        throw ApiException.badRequest(
            "historyPenalty",
            "'historyPenalty' must be a finite number >= 0 (a cosine), got "
                + RequestJson.kind(penaltyNode));
      }
      penalty = penaltyNode.asDouble();
    }
    String chosen = policy == null ? (penalty == null ? "exclude" : "penalty") : policy;
    switch (chosen) {
      case "exclude", "include" -> {
        if (penalty != null) {
          throw ApiException.badRequest(
              "historyPenalty",
              "'historyPenalty' needs \"history\": \"penalty\", not \"" + chosen + "\"");
        }
        return RecommendOptions.DEFAULTS.withExcludeHistory(chosen.equals("exclude"));
      }
      case "penalty" -> {
        if (penalty == null) {
          throw ApiException.badRequest(
              "historyPenalty", "\"history\": \"penalty\" needs 'historyPenalty' (a cosine >= 0)");
        }
        return RecommendOptions.DEFAULTS.withHistoryPenalty(penalty);
      }
      default ->
          throw ApiException.badRequest(
              "history",
              "'history' must be \"exclude\", \"include\" or \"penalty\", got \"" + chosen + "\"");
    }
  }

  /** {@code POST /api/items}: cold-start items, durable (with a catalog directory) on return. */
  ObjectNode addItems(byte[] body) {
    JsonNode request = RequestJson.object(json, body, ADD_FIELDS);
    JsonNode array = request.get("items");
    if (array == null || !array.isArray()) {
      throw ApiException.badRequest(
          "items",
          "'items' must be a list of {\"id\": ..., \"attributes\": {...}} objects"
              + (array == null ? "" : ", got " + RequestJson.kind(array)));
    }
    if (array.isEmpty()) {
      throw ApiException.badRequest("items", "'items' is empty: give at least one item");
    }
    if (array.size() > options.maxAddItems()) {
      throw ApiException.tooLarge(
          "items",
          "'items' holds "
              + array.size()
              + " items; at most "
              + options.maxAddItems()
              + " per request");
    }
    List<Item> items = new ArrayList<>(array.size());
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      Item item = parseItem(array.get(i), "items[" + i + "]");
      if (!ids.add(item.id())) {
        throw ApiException.badRequest(
            "items[" + i + "].id", "item id '" + item.id() + "' appears twice in the request");
      }
      if (recommender.item(item.id()).isPresent()) {
        throw new ApiException(
            409,
            "items[" + i + "].id",
            "item id '" + item.id() + "' is already in the catalog (additions cannot replace)");
      }
      items.add(item);
    }
    recommender.addItems(items);
    ObjectNode root = json.createObjectNode();
    ArrayNode added = root.putArray("added");
    items.forEach(item -> added.add(itemNode(item)));
    root.put("catalogSize", recommender.size());
    return root;
  }

  private Item parseItem(JsonNode node, String where) {
    if (!node.isObject()) {
      throw ApiException.badRequest(
          where, "'" + where + "' must be an object, got " + RequestJson.kind(node));
    }
    RequestJson.requireKnownFields(node, where + ".", ITEM_FIELDS);
    String id = RequestJson.optionalText(node, where + ".id");
    if (id == null) {
      throw ApiException.badRequest(where + ".id", "'" + where + ".id' is required");
    }
    if (id.length() > MAX_ID_CHARS) {
      throw ApiException.badRequest(
          where + ".id", "'" + where + ".id' is longer than " + MAX_ID_CHARS + " characters");
    }
    JsonNode attributes = node.get("attributes");
    String at = where + ".attributes";
    if (attributes == null || !attributes.isObject() || attributes.isEmpty()) {
      throw ApiException.badRequest(
          at,
          "'"
              + at
              + "' must be a non-empty object of text values, e.g. {\"title\": ...}"
              + (attributes == null ? "" : ", got " + RequestJson.kind(attributes)));
    }
    if (attributes.size() > MAX_ATTRIBUTES) {
      throw ApiException.tooLarge(
          at, "'" + at + "' holds more than " + MAX_ATTRIBUTES + " attributes");
    }
    List<ItemAttribute> list = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : attributes.properties()) {
      String field = at + "." + e.getKey();
      if (!e.getValue().isTextual()) {
        throw ApiException.badRequest(
            field, "'" + field + "' must be a string, got " + RequestJson.kind(e.getValue()));
      }
      try {
        list.add(new ItemAttribute(e.getKey(), e.getValue().asText()));
      } catch (IllegalArgumentException ex) {
        throw ApiException.badRequest(field, "'" + field + "': " + ex.getMessage());
      }
    }
    Item item = new Item(id, list);
    if (!item.hasText()) {
      throw ApiException.badRequest(at, "'" + at + "' holds no text: every value is blank");
    }
    return item;
  }

  private void requireKnown(List<String> ids, String field) {
    for (int i = 0; i < ids.size(); i++) {
      if (recommender.item(ids.get(i)).isEmpty()) {
        throw ApiException.notFound(
            field + "[" + i + "]",
            "unknown item id '" + ids.get(i) + "' (" + size() + " items known)");
      }
    }
  }

  private int size() {
    return recommender.size();
  }

  private ObjectNode recommendationNode(Recommendation r) {
    ObjectNode node = json.createObjectNode();
    node.put("rank", r.rank() + 1);
    node.put("id", r.itemId());
    node.put("title", r.item().title());
    node.put("score", r.score());
    return node;
  }

  private ObjectNode itemNode(Item item) {
    ObjectNode node = json.createObjectNode();
    node.put("id", item.id());
    node.put("title", item.title());
    ObjectNode attributes = node.putObject("attributes");
    for (ItemAttribute a : item.attributes()) {
      attributes.put(a.key(), a.value());
    }
    return node;
  }

  private static int queryInt(
      Map<String, String> query, String name, int otherwise, int min, int max) {
    String value = query.get(name);
    if (value == null) {
      return otherwise;
    }
    int v;
    try {
      v = Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(name, "'" + name + "' must be an integer, got '" + value + "'");
    }
    if (v < min || v > max) {
      throw ApiException.badRequest(
          name, String.format(Locale.ROOT, "'%s' = %d must be in [%d, %d]", name, v, min, max));
    }
    return v;
  }
}
