package io.recformer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.recommend.RecommendOptions;
import io.recformer.infer.recommend.Recommendation;
import io.recformer.infer.recommend.Recommender;
import io.recformer.infer.recommend.RecommenderOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code recformer recommend}: top-K items for a dataset user, a list of item ids, or items given
 * only by their text (cold start), served from an ONNX bundle and an item index.
 */
@Command(
    name = "recommend",
    mixinStandardHelpOptions = true,
    description = {
      "Print the top-K recommendations for a history: a user of the dataset (their full history), a"
          + " list of catalog item ids, or items given as JSON (new items never seen before work"
          + " too).",
      "JSON input: a list of {\"id\": optional, \"attributes\": {\"title\": ..., \"brand\": ...,"
          + " ...}} objects, oldest first; an object with only a known id stands for that catalog"
          + " item."
    })
final class RecommendCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Output formats. */
  enum Format {
    table,
    json
  }

  @Mixin BundleOptions bundle;

  @Option(
      names = "--data",
      required = true,
      description =
          "Dataset holding the catalog (and the users for --user): a saved dataset or any"
              + " importable directory.")
  Path data;

  @Option(
      names = "--index",
      description =
          "Item index file or catalog directory written by `recformer index` for this bundle and"
              + " catalog; without it the catalog is embedded on the fly. A catalog directory"
              + " serves its own item text (and every item added to it).")
  Path index;

  @Option(
      names = "--verify",
      description =
          "Read every byte of the index (or catalog directory) and check it against its checksums"
              + " before answering; a damaged file exits 2 naming the file, the section and both"
              + " checksums.")
  boolean verify;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Query query;

  static final class Query {
    @Option(
        names = "--user",
        required = true,
        description = "A user id of the dataset; their full history is the input.")
    String user;

    @Option(
        names = "--items",
        required = true,
        split = ",",
        description = "Catalog item ids of a history, oldest first (comma-separated).")
    List<String> items;

    @Option(
        names = "--json",
        required = true,
        description = "File with a JSON list of items (oldest first), or - for standard input.")
    String json;
  }

  @Option(names = "-k", description = "Number of recommendations (default: ${DEFAULT-VALUE}).")
  int k = 10;

  @Option(
      names = "--include-history",
      description = "Keep the history's own items in the list (excluded by default).")
  boolean includeHistory;

  @Option(
      names = "--history-penalty",
      paramLabel = "<cosine>",
      description =
          "Keep the history's own items but lower their scores by this much (the historyPenalty a"
              + " model was fine-tuned or validated with; implies --include-history).")
  Double historyPenalty;

  @Option(names = "--format", description = "table or json (default: ${DEFAULT-VALUE}).")
  Format format = Format.table;

  @Override
  public Integer call() throws Exception {
    if (k < 1) {
      throw new IllegalArgumentException("-k = " + k + " must be >= 1");
    }
    List<Item> jsonItems = query.json == null ? null : readItems(query.json);
    Dataset dataset = DatasetArguments.open(data, false);
    RecommendOptions options =
        historyPenalty != null
            ? RecommendOptions.DEFAULTS.withHistoryPenalty(historyPenalty)
            : RecommendOptions.DEFAULTS.withExcludeHistory(!includeHistory);
    RecommenderOptions serving = RecommenderOptions.defaults().withVerify(verify);
    try (RecformerEncoder encoder = bundle.open();
        Recommender recommender =
            index == null
                ? Recommender.build(encoder, dataset.items(), serving)
                : Files.isDirectory(index)
                    ? Recommender.open(encoder, index, serving)
                    : Recommender.open(encoder, dataset.items(), index, serving)) {
      List<Recommendation> top;
      String description;
      List<Item> history;
      if (query.user != null) {
        UserHistory user = findUser(dataset, query.user);
        top = recommender.recommend(user.itemIds(), k, options);
        history = dataset.items().resolve(user.itemIds());
        description = "user " + user.userId();
      } else if (query.items != null) {
        List<String> ids =
            query.items.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        top = recommender.recommend(ids, k, options);
        history = ids.stream().map(id -> recommender.item(id).orElseThrow()).toList();
        description = "items " + String.join(",", ids);
      } else {
        history = resolveKnown(jsonItems, recommender);
        top = recommender.recommendForItems(history, k, options);
        description = "items from " + ("-".equals(query.json) ? "standard input" : query.json);
      }
      System.out.print(
          format == Format.json
              ? toJson(description, history, top)
              : toTable(description, history, top));
    }
    return 0;
  }

  private static UserHistory findUser(Dataset dataset, String id) {
    for (UserHistory user : dataset.users()) {
      if (user.userId().equals(id)) {
        return user;
      }
    }
    throw new IllegalArgumentException(
        "unknown user id '"
            + id
            + "': dataset "
            + dataset.name()
            + " has "
            + dataset.userCount()
            + " users (give their items with --items or --json instead)");
  }

  /**
   * An object with only a known id stands for that catalog item; everything else is taken as given.
   */
  private static List<Item> resolveKnown(List<Item> items, Recommender recommender) {
    List<Item> out = new ArrayList<>(items.size());
    for (Item item : items) {
      out.add(item.attributes().isEmpty() ? recommender.item(item.id()).orElse(item) : item);
    }
    return out;
  }

  /** Reads the JSON list of items; every problem names the source and the element. */
  static List<Item> readItems(String source) throws IOException {
    JsonNode root;
    String name = "-".equals(source) ? "standard input" : source;
    try {
      if ("-".equals(source)) {
        InputStream in = System.in;
        root = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } else {
        Path file = Path.of(source);
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException("JSON file " + file + " does not exist");
        }
        root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(name + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(
          name
              + ": expected a JSON list of items, got "
              + (root == null ? "nothing" : root.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    if (root.isEmpty()) {
      throw new IllegalArgumentException(
          name + ": the list of items is empty; give at least one item");
    }
    List<Item> items = new ArrayList<>(root.size());
    for (int i = 0; i < root.size(); i++) {
      JsonNode node = root.get(i);
      String where = name + ", item " + (i + 1);
      if (!node.isObject()) {
        throw new IllegalArgumentException(where + ": expected an object with \"attributes\"");
      }
      JsonNode idNode = node.get("id");
      String id = idNode == null || idNode.isNull() ? "new-" + (i + 1) : idNode.asText();
      JsonNode attributes = node.get("attributes");
      List<ItemAttribute> list = new ArrayList<>();
      if (attributes != null && !attributes.isNull()) {
        if (!attributes.isObject()) {
          throw new IllegalArgumentException(
              where + ": \"attributes\" must be an object of text values");
        }
        for (Map.Entry<String, JsonNode> e : attributes.properties()) {
          if (!e.getValue().isValueNode() || e.getValue().isNull()) {
            throw new IllegalArgumentException(
                where + ": attribute '" + e.getKey() + "' must be text");
          }
          list.add(new ItemAttribute(e.getKey(), e.getValue().asText()));
        }
      } else if (idNode == null) {
        throw new IllegalArgumentException(where + ": has neither an id nor attributes");
      }
      items.add(new Item(id, list));
    }
    return items;
  }

  private String toTable(String description, List<Item> history, List<Recommendation> top) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Top %d for %s (%d history items, history %s)%n",
            k,
            description,
            history.size(),
            historyPenalty != null
                ? "included, penalty " + historyPenalty
                : includeHistory ? "included" : "excluded"));
    int idWidth = 4;
    for (Recommendation r : top) {
      idWidth = Math.max(idWidth, r.itemId().length());
    }
    out.append(
        String.format(
            Locale.ROOT, "%4s  %-" + idWidth + "s  %6s  %s%n", "#", "item", "score", "title"));
    for (Recommendation r : top) {
      out.append(
          String.format(
              Locale.ROOT,
              "%4d  %-" + idWidth + "s  %6.3f  %s%n",
              r.rank() + 1,
              r.itemId(),
              r.score(),
              QuickstartCommand.title(r.item())));
    }
    return out.toString();
  }

  private String toJson(String description, List<Item> history, List<Recommendation> top)
      throws JsonProcessingException {
    ObjectNode root = JSON.createObjectNode();
    root.put("query", description);
    root.put("historyItems", history.size());
    root.put("excludeHistory", !includeHistory && historyPenalty == null);
    root.put("historyPenalty", historyPenalty == null ? 0 : historyPenalty);
    root.put("k", k);
    ArrayNode list = root.putArray("recommendations");
    for (Recommendation r : top) {
      ObjectNode n = list.addObject();
      n.put("rank", r.rank() + 1);
      n.put("id", r.itemId());
      n.put("title", r.item().title());
      n.put("score", r.score());
    }
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + System.lineSeparator();
  }
}
