package io.recformer.bench.paper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The paper grid's configuration ({@code config/paper.yaml}): domains with their sizes and budgets,
 * seeds, the Recformer settings, the baselines and the measured rates the cost estimate uses.
 * Parsed strictly: an unknown key or a missing one is an error naming the file and the key.
 *
 * <p>Settings that would choose something by test or subsample the test users are refused here
 * ({@link #FORBIDDEN_KEYS}): the runner alone decides when test is scored.
 */
public record PaperConfig(
    Path output,
    Path runs,
    double sittingHours,
    List<Long> seeds,
    List<String> command,
    Recformer recformer,
    Map<String, Domain> domains,
    Map<String, Baseline> baselines,
    Ablation ablation,
    Rates rates) {

  /**
   * Settings the grid never passes through: test subsampling, a zero-shot test inside a fine-tuning
   * run (the zero-shot table has its own cell) and anything choosing by the test split.
   */
  static final Set<String> FORBIDDEN_KEYS =
      Set.of("testUsers", "zeroShotTest", "--max-users", "--users", "--split", "--test-users");

  /**
   * Where done cells are committed ({@link CellArchive}): {@code cells/} beside the tables, so the
   * results and what they came from travel together.
   */
  public Path archive() {
    return output.resolve("cells");
  }

  /** Recformer settings shared by every Recformer cell, plus the config files the CLI reads. */
  public record Recformer(
      String init,
      String backbone,
      int maxTokens,
      String pooling,
      Path pretrainConfig,
      Path finetuneConfig,
      Map<String, String> pretrain,
      Map<String, String> finetune) {}

  /**
   * One target domain: its dataset, its size (for the cost estimate and the tables) and its
   * per-domain budget overrides ({@code --set} keys for pretrain and finetune, extra arguments for
   * the baselines).
   */
  public record Domain(
      String name,
      Path data,
      int users,
      int items,
      long interactions,
      Map<String, String> pretrain,
      Map<String, String> finetune,
      Map<String, List<String>> baselineArgs) {}

  /** A baseline: its model key for {@code bench quality --models}, seeds and extra arguments. */
  public record Baseline(String key, String label, int seeds, List<String> args) {}

  /** The ablation rows and how many seeds each gets. */
  public record Ablation(int seeds, List<String> variants) {}

  /**
   * Measured rates on the 2-core machine (docs/benchmarks.md), used only to estimate cost: pairs/s
   * of pre-training, items/s of DJL item encoding and users/s of DJL evaluation at the grid's max
   * tokens, interactions/s per epoch of an ID baseline and its expected epochs, text baseline
   * items/s and scored user x item pairs per second. {@code finetuneSamplesPerSecondByDomain}
   * overrides the fine-tuning rate for the domains measured (longer histories fill more of the max
   * tokens, so a domain's rate can be half another's).
   */
  public record Rates(
      double pretrainPairsPerSecond,
      double finetuneSamplesPerSecond,
      Map<String, Double> finetuneSamplesPerSecondByDomain,
      double encodeItemsPerSecond,
      double evaluateUsersPerSecond,
      Map<String, Double> baselineTargetsPerSecond,
      Map<String, Integer> baselineEpochs,
      double textItemsPerSecond,
      double scoresPerSecond) {}

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Reads and checks a configuration file; relative paths resolve against {@code base}. */
  public static PaperConfig read(Path file, Path base) throws IOException {
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": not valid YAML: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(file + ": expected a mapping at the top level");
    }
    return parse(new Node(file.toString(), "", root), base);
  }

  static PaperConfig parse(Node root, Path base) {
    root.only(
        "output",
        "runs",
        "sittingHours",
        "seeds",
        "command",
        "recformer",
        "domains",
        "baselines",
        "ablation",
        "rates");
    Node rec = root.child("recformer");
    rec.only(
        "init",
        "backbone",
        "maxTokens",
        "pooling",
        "pretrainConfig",
        "finetuneConfig",
        "pretrain",
        "finetune");
    Recformer recformer =
        new Recformer(
            rec.text("init"),
            rec.text("backbone"),
            rec.integer("maxTokens"),
            rec.text("pooling"),
            rec.has("pretrainConfig") ? base.resolve(rec.text("pretrainConfig")) : null,
            rec.has("finetuneConfig") ? base.resolve(rec.text("finetuneConfig")) : null,
            rec.settings("pretrain"),
            rec.settings("finetune"));
    Map<String, Domain> domains = new LinkedHashMap<>();
    Node ds = root.child("domains");
    for (String name : ds.keys()) {
      Node d = ds.child(name);
      d.only("data", "users", "items", "interactions", "pretrain", "finetune", "baselineArgs");
      Map<String, List<String>> args = new LinkedHashMap<>();
      if (d.has("baselineArgs")) {
        Node a = d.child("baselineArgs");
        for (String key : a.keys()) {
          args.put(key, a.strings(key));
        }
      }
      domains.put(
          name,
          new Domain(
              name,
              base.resolve(d.text("data")),
              d.integer("users"),
              d.integer("items"),
              d.integer("interactions"),
              d.settings("pretrain"),
              d.settings("finetune"),
              args));
    }
    if (domains.size() < 2) {
      throw new IllegalArgumentException(
          root.where("domains")
              + ": needs at least 2 domains (each is pre-trained on the others only)");
    }
    Map<String, Baseline> baselines = new LinkedHashMap<>();
    Node bs = root.child("baselines");
    for (String key : bs.keys()) {
      Node b = bs.child(key);
      b.only("label", "seeds", "args");
      baselines.put(
          key,
          new Baseline(
              key,
              b.has("label") ? b.text("label") : key,
              b.has("seeds") ? b.integer("seeds") : 1,
              b.has("args") ? b.strings("args") : List.of()));
    }
    Node ab = root.child("ablation");
    ab.only("seeds", "variants");
    Ablation ablation = new Ablation(ab.integer("seeds"), ab.strings("variants"));
    for (String v : ablation.variants()) {
      AblationVariant.parse(v); // fails with the allowed names
    }
    Node r = root.child("rates");
    r.only(
        "pretrainPairsPerSecond",
        "finetuneSamplesPerSecond",
        "finetuneSamplesPerSecondByDomain",
        "encodeItemsPerSecond",
        "evaluateUsersPerSecond",
        "baselineTargetsPerSecond",
        "baselineEpochs",
        "textItemsPerSecond",
        "scoresPerSecond");
    Map<String, Double> targets = new LinkedHashMap<>();
    Map<String, Integer> epochs = new LinkedHashMap<>();
    Node t = r.child("baselineTargetsPerSecond");
    for (String k : t.keys()) {
      targets.put(k, t.number(k));
    }
    Node e = r.child("baselineEpochs");
    for (String k : e.keys()) {
      epochs.put(k, e.integer(k));
    }
    Map<String, Double> finetuneByDomain = new LinkedHashMap<>();
    if (r.has("finetuneSamplesPerSecondByDomain")) {
      Node f = r.child("finetuneSamplesPerSecondByDomain");
      for (String k : f.keys()) {
        if (!domains.containsKey(k)) {
          throw new IllegalArgumentException(
              f.where(k) + ": not a domain of this grid (" + domains.keySet() + ")");
        }
        finetuneByDomain.put(k, f.number(k));
      }
    }
    Rates rates =
        new Rates(
            r.number("pretrainPairsPerSecond"),
            r.number("finetuneSamplesPerSecond"),
            Map.copyOf(finetuneByDomain),
            r.number("encodeItemsPerSecond"),
            r.number("evaluateUsersPerSecond"),
            targets,
            epochs,
            r.number("textItemsPerSecond"),
            r.number("scoresPerSecond"));
    List<Long> seeds = new ArrayList<>();
    for (String s : root.strings("seeds")) {
      try {
        seeds.add(Long.parseLong(s));
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(root.where("seeds") + ": '" + s + "' is not a seed");
      }
    }
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException(root.where("seeds") + ": needs at least one seed");
    }
    int most = 1;
    for (Baseline b : baselines.values()) {
      most = Math.max(most, b.seeds());
    }
    if (most > seeds.size() || ablation.seeds() > seeds.size()) {
      throw new IllegalArgumentException(
          root.where("seeds")
              + ": "
              + seeds.size()
              + " seeds listed, but a baseline or the ablation asks for "
              + Math.max(most, ablation.seeds()));
    }
    return new PaperConfig(
        base.resolve(root.text("output")),
        base.resolve(root.text("runs")),
        root.number("sittingHours"),
        List.copyOf(seeds),
        root.has("command") ? root.strings("command") : List.of(),
        recformer,
        domains,
        baselines,
        ablation,
        rates);
  }

  /** A YAML node with the file and key path, for messages. */
  record Node(String file, String path, JsonNode value) {

    String where(String key) {
      return file + ": " + (path.isEmpty() ? key : path + "." + key);
    }

    boolean has(String key) {
      return value.has(key) && !value.get(key).isNull();
    }

    JsonNode required(String key) {
      if (!has(key)) {
        throw new IllegalArgumentException(where(key) + " is missing");
      }
      return value.get(key);
    }

    Node child(String key) {
      JsonNode v = required(key);
      if (!v.isObject()) {
        throw new IllegalArgumentException(where(key) + " must be a mapping");
      }
      return new Node(file, path.isEmpty() ? key : path + "." + key, v);
    }

    List<String> keys() {
      List<String> out = new ArrayList<>();
      value.fieldNames().forEachRemaining(out::add);
      return out;
    }

    void only(String... allowed) {
      List<String> known = List.of(allowed);
      for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!known.contains(k)) {
          throw new IllegalArgumentException(
              where(k) + ": unknown key; allowed here: " + String.join(", ", known));
        }
      }
    }

    String text(String key) {
      JsonNode v = required(key);
      if (!v.isValueNode()) {
        throw new IllegalArgumentException(where(key) + " must be a single value");
      }
      return v.asText();
    }

    int integer(String key) {
      JsonNode v = required(key);
      if (!v.canConvertToInt()) {
        throw new IllegalArgumentException(where(key) + " must be an integer, got " + v);
      }
      return v.asInt();
    }

    double number(String key) {
      JsonNode v = required(key);
      if (!v.isNumber() || v.asDouble() <= 0) {
        throw new IllegalArgumentException(where(key) + " must be a positive number, got " + v);
      }
      return v.asDouble();
    }

    List<String> strings(String key) {
      JsonNode v = required(key);
      if (!v.isArray()) {
        throw new IllegalArgumentException(where(key) + " must be a list");
      }
      List<String> out = new ArrayList<>();
      v.forEach(
          x -> {
            checkAllowed(where(key), x.asText());
            out.add(x.asText());
          });
      return out;
    }

    /** A mapping of {@code --set} keys to values (missing = empty). */
    Map<String, String> settings(String key) {
      Map<String, String> out = new LinkedHashMap<>();
      if (!has(key)) {
        return out;
      }
      Node n = child(key);
      for (String k : n.keys()) {
        checkAllowed(n.where(k), k);
        out.put(k, n.text(k));
      }
      return out;
    }

    private static void checkAllowed(String where, String keyOrArgument) {
      String bare = keyOrArgument.split("=", 2)[0];
      if (FORBIDDEN_KEYS.contains(bare)) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "%s: '%s' is not allowed in the paper grid: every cell scores all test users once,"
                    + " with the model chosen on validation (the runner sets the test settings)",
                where,
                bare));
      }
    }
  }
}
