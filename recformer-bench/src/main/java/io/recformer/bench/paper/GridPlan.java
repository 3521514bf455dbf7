package io.recformer.bench.paper;

import io.recformer.bench.paper.GridCell.Kind;
import io.recformer.bench.paper.PaperConfig.Baseline;
import io.recformer.bench.paper.PaperConfig.Domain;
import io.recformer.bench.paper.PaperConfig.Rates;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Expands the configuration into the cells of one table (with the cells they depend on), in the
 * order they run: pre-training first, one per target domain on the other domains only, shared by
 * the three tables; then per domain the zero-shot evaluation, the Recformer fine-tuning seeds, the
 * baselines and the ablation variants. The ablation's Original row is the overall table's Recformer
 * cell of the same seed (same pre-trained start, same budget), not a second run.
 */
public final class GridPlan {

  /** The tables a grid can produce. */
  public enum Table {
    OVERALL("overall"),
    ZERO_SHOT("zero-shot"),
    ABLATION("ablation");

    private final String key;

    Table(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    public static Table parse(String text) {
      for (Table t : values()) {
        if (t.key.equalsIgnoreCase(text)) {
          return t;
        }
      }
      throw new IllegalArgumentException(
          "table '" + text + "' is not one of overall, zero-shot, ablation");
    }
  }

  /** Row name of the fine-tuned Recformer in cell ids. */
  public static final String RECFORMER = "recformer";

  /** Fixed overhead per child: JVM start, dataset import, tokenizer (seconds). */
  static final double CHILD_OVERHEAD_SECONDS = 30;

  private final PaperConfig config;

  public GridPlan(PaperConfig config) {
    this.config = config;
  }

  public PaperConfig config() {
    return config;
  }

  /** Every cell of the given tables, dependencies first, each once. */
  /** Every cell of the three tables by id (a cell shared by tables appears once). */
  public Map<String, GridCell> byId() {
    Map<String, GridCell> out = new LinkedHashMap<>();
    for (GridCell c : cells(List.of(Table.values()))) {
      out.putIfAbsent(c.id(), c);
    }
    return out;
  }

  public List<GridCell> cells(List<Table> tables) {
    Map<String, GridCell> out = new LinkedHashMap<>();
    for (Domain d : config.domains().values()) {
      put(out, pretrain(d));
    }
    for (Domain d : config.domains().values()) {
      boolean overall = tables.contains(Table.OVERALL);
      boolean zeroShot = tables.contains(Table.ZERO_SHOT);
      boolean ablation = tables.contains(Table.ABLATION);
      if (zeroShot) {
        put(out, zeroShot(d));
      }
      // Overall and zero-shot compare against every Recformer seed; the ablation's Original row
      // uses the first ablation.seeds of them.
      int recformerSeeds = overall || zeroShot ? config.seeds().size() : ablationSeeds().size();
      for (long seed : config.seeds().subList(0, recformerSeeds)) {
        put(out, finetune(d, AblationVariant.ORIGINAL, seed, "overall"));
      }
      if (overall) {
        for (Baseline b : config.baselines().values()) {
          for (long seed : config.seeds().subList(0, b.seeds())) {
            put(out, baseline(d, b, seed));
          }
        }
      }
      if (ablation) {
        for (String name : config.ablation().variants()) {
          AblationVariant v = AblationVariant.parse(name);
          if (v != AblationVariant.ORIGINAL) {
            for (long seed : ablationSeeds()) {
              put(out, finetune(d, v, seed, "ablation"));
            }
          }
        }
      }
    }
    return List.copyOf(out.values());
  }

  /**
   * The cells whose id matches a glob: {@code *} within a segment, {@code **} across segments,
   * {@code /**} also matching nothing ({@code *}{@code /a/**} takes {@code pretrain/a} too).
   */
  public static List<GridCell> only(List<GridCell> cells, String glob) {
    Pattern p = globPattern(glob);
    List<GridCell> out = new ArrayList<>();
    for (GridCell c : cells) {
      if (p.matcher(c.id()).matches()) {
        out.add(c);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--only '" + glob + "' matches no cell of this table");
    }
    return out;
  }

  static Pattern globPattern(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (glob.startsWith("/**", i)) {
        re.append("(/.*)?"); // "pretrain/a/**" also matches "pretrain/a"
        i += 2;
      } else if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  List<Long> ablationSeeds() {
    return config.seeds().subList(0, config.ablation().seeds());
  }

  static String pretrainId(String domain) {
    return "pretrain/" + domain;
  }

  static String finetuneId(String domain, AblationVariant v, long seed) {
    return v == AblationVariant.ORIGINAL
        ? "overall/" + domain + "/" + RECFORMER + "/seed" + seed
        : "ablation/" + domain + "/" + v.key() + "/seed" + seed;
  }

  private static void put(Map<String, GridCell> out, GridCell cell) {
    out.putIfAbsent(cell.id(), cell);
  }

  private GridCell pretrain(Domain target) {
    List<Path> sources = new ArrayList<>();
    for (Domain d : config.domains().values()) {
      if (!d.name().equals(target.name())) {
        sources.add(d.data());
      }
    }
    Map<String, String> settings = new LinkedHashMap<>(config.recformer().pretrain());
    settings.putAll(target.pretrain());
    long users = 0;
    for (Domain d : config.domains().values()) {
      users += d.name().equals(target.name()) ? 0 : d.users();
    }
    int steps = requireInt(settings, "maxSteps", "pretrain of " + target.name());
    int batch = requireInt(settings, "batchSize", "pretrain of " + target.name());
    int accumulation =
        settings.containsKey("gradientAccumulation")
            ? requireInt(settings, "gradientAccumulation", "pretrain of " + target.name())
            : 1;
    Rates r = config.rates();
    // Training pairs (maxSteps optimizer steps of batch x accumulation pairs) plus about 10% for
    // the held-out validation passes.
    double seconds = 1.1 * steps * (double) batch * accumulation / r.pretrainPairsPerSecond();
    seconds += users / 5000.0; // importing and tokenizing the sources
    return new GridCell(
        pretrainId(target.name()),
        Kind.PRETRAIN,
        target.name(),
        "pretrain",
        config.seeds().get(0),
        List.of(),
        sources,
        settings,
        List.of(),
        seconds + CHILD_OVERHEAD_SECONDS);
  }

  private GridCell zeroShot(Domain d) {
    Rates r = config.rates();
    double seconds = d.items() / r.encodeItemsPerSecond() + d.users() / r.evaluateUsersPerSecond();
    return new GridCell(
        "zero-shot/" + d.name(),
        Kind.ZERO_SHOT,
        d.name(),
        "zero-shot",
        config.seeds().get(0),
        List.of(pretrainId(d.name())),
        List.of(d.data()),
        Map.of(),
        List.of(),
        seconds + CHILD_OVERHEAD_SECONDS);
  }

  private GridCell finetune(Domain d, AblationVariant v, long seed, String table) {
    Map<String, String> settings = new LinkedHashMap<>(config.recformer().finetune());
    settings.putAll(d.finetune());
    settings.put("variant", v.variant());
    settings.putAll(v.extraSettings());
    String what = "finetune of " + d.name() + " (" + table + ")";
    // The budget is counted in training samples, so a cell does the same work on a busy machine
    // as on an idle one; the minutes are safety caps, set well above the expected time.
    int stage1Epochs = requireInt(settings, "epochs", what);
    int stage2Epochs = requireInt(settings, "stage2Epochs", what);
    double minutes =
        requireDouble(settings, "stage1Minutes", what)
            + requireDouble(settings, "stage2Minutes", what);
    int epochs = stage1Epochs + stage2Epochs;
    if (v.variant().equals("BOTH_STAGES")
        && !"true".equals(settings.get("freshOptimizerPerStage"))) {
      // One schedule across both stages, as the original: it decays over the whole budget, so
      // stage 2 gets the tail of it (the original's patience usually ends stage 1 long before its
      // schedule does; with a fixed number of epochs, decaying over stage 1 would leave 0).
      settings.putIfAbsent("scheduleEpochs", Integer.toString(epochs));
    }
    if (!v.variant().equals("BOTH_STAGES")) {
      // A one-stage variant runs its single stage under the stage-1 keys: give it both stages'
      // epochs (and minutes), so every ablation row trains on as many samples.
      settings.put("epochs", Integer.toString(epochs));
      settings.put("stage1Minutes", format(minutes));
      settings.put("stage2Minutes", "0");
    }
    int samples = requireInt(settings, "samplesPerEpoch", what);
    int validation = requireInt(settings, "validationUsers", what);
    Rates r = config.rates();
    double rate =
        r.finetuneSamplesPerSecondByDomain().getOrDefault(d.name(), r.finetuneSamplesPerSecond());
    double epochSeconds = samples / rate;
    double encode = d.items() / r.encodeItemsPerSecond();
    double validate = Math.min(validation, d.users()) / r.evaluateUsersPerSecond();
    // Training with, per epoch, a catalog encoding and a validation pass, after the initial
    // encoding; then the final test of all users.
    double trainingSeconds = epochs * (epochSeconds + encode + validate) + encode;
    double seconds = trainingSeconds + d.users() / r.evaluateUsersPerSecond();
    if (trainingSeconds > minutes * 60) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s: %d epochs of %d samples need about %.0f minutes at the configured rates, more"
                  + " than the stage1Minutes + stage2Minutes cap of %.0f; raise the cap (it is a"
                  + " safety limit, not the budget)",
              what,
              epochs,
              samples,
              trainingSeconds / 60,
              minutes));
    }
    return new GridCell(
        finetuneId(d.name(), v, seed),
        Kind.FINETUNE,
        d.name(),
        v == AblationVariant.ORIGINAL ? RECFORMER : v.key(),
        seed,
        List.of(pretrainId(d.name())),
        List.of(d.data()),
        settings,
        List.of(),
        seconds + CHILD_OVERHEAD_SECONDS);
  }

  private GridCell baseline(Domain d, Baseline b, long seed) {
    List<String> args = new ArrayList<>(b.args());
    args.addAll(d.baselineArgs().getOrDefault(b.key(), List.of()));
    Rates r = config.rates();
    double pairs = (double) d.users() * d.items();
    double seconds;
    if (r.baselineTargetsPerSecond().containsKey(b.key())) {
      int epochs = r.baselineEpochs().getOrDefault(b.key(), 50);
      // A cap in the cell's own arguments (e.g. --sasrec-epochs 30 on a large domain) bounds it.
      int cap = args.indexOf("--" + b.key() + "-epochs");
      if (cap >= 0 && cap + 1 < args.size()) {
        epochs = Math.min(epochs, Integer.parseInt(args.get(cap + 1)));
      }
      // The rate includes the per-epoch validation; then one test scoring pass.
      seconds =
          epochs * (d.interactions() / r.baselineTargetsPerSecond().get(b.key()))
              + pairs / r.scoresPerSecond();
    } else if (b.key().startsWith("text")) {
      seconds = d.items() / r.textItemsPerSecond() + 2 * pairs / r.scoresPerSecond();
    } else {
      seconds = 2 * pairs / r.scoresPerSecond();
    }
    return new GridCell(
        "overall/" + d.name() + "/" + b.key() + "/seed" + seed,
        Kind.BASELINE,
        d.name(),
        b.key(),
        seed,
        List.of(),
        List.of(d.data()),
        Map.of(),
        args,
        seconds + CHILD_OVERHEAD_SECONDS);
  }

  private static String format(double value) {
    return value == Math.rint(value)
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%s", value);
  }

  private static int requireInt(Map<String, String> settings, String key, String what) {
    return (int) requireDouble(settings, key, what);
  }

  private static double requireDouble(Map<String, String> settings, String key, String what) {
    String v = settings.get(key);
    if (v == null) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s: the budget needs '%s' (in recformer.%s or the domain's), to bound the cell"
                  + " and estimate its cost",
              what,
              key,
              what.startsWith("pretrain") ? "pretrain" : "finetune"));
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + ": '" + key + "' = '" + v + "' is not a number");
    }
  }
}
