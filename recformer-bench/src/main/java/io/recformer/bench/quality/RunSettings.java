package io.recformer.bench.quality;

import io.recformer.bench.baseline.IndexedExample;
import io.recformer.core.format.Provenance;
import io.recformer.data.dataset.Dataset;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings a quality run records before any model runs: the dataset and its split sizes, the
 * protocol, the machine, the commit and the seed. The models add their own lines after these.
 */
final class RunSettings {

  // The command's logger, so the run logs under one name as before this class was split out.
  private static final Logger LOG = LoggerFactory.getLogger(QualityBenchmark.class);

  private RunSettings() {}

  /** Logs the split's sizes and returns the settings (mutable, in insertion order). */
  static Map<String, String> describe(
      QualityBenchmark options, Dataset dataset, EvaluationData eval) {
    int coldStart = 0;
    for (IndexedExample e : eval.test()) {
      coldStart += eval.inTraining(e.target()) ? 0 : 1;
    }
    LOG.info(
        "{}: {} users, {} items, {} training interactions, {} test users ({} cold-start targets)",
        eval.name(),
        eval.users(),
        eval.itemCount(),
        eval.trainInteractions(),
        eval.test().size(),
        coldStart);
    Map<String, String> settings = new LinkedHashMap<>();
    Provenance provenance = Provenance.capture(dataset.fingerprint(), options.seed, Map.of());
    settings.put("dataset", options.data.toString());
    settings.put("dataset.name", dataset.name());
    settings.put("dataset.format", dataset.provenance().getOrDefault("import.format", "unknown"));
    settings.put("dataset.fingerprint", dataset.fingerprint());
    settings.put("users", Integer.toString(eval.users()));
    settings.put(
        "evaluated users",
        options.maxUsers > 0
            ? String.format(
                Locale.ROOT,
                "%d drawn with seed %d (--max-users); all %d users train",
                eval.evaluatedUsers(),
                options.seed,
                eval.users())
            : Integer.toString(eval.evaluatedUsers()));
    settings.put("validation users", Integer.toString(eval.validation().size()));
    settings.put("items", Integer.toString(eval.itemCount()));
    settings.put("test users", Integer.toString(eval.test().size()));
    settings.put("cold-start test targets", Integer.toString(coldStart));
    settings.put("training interactions", Integer.toString(eval.trainInteractions()));
    settings.put(
        "protocol",
        "leave-one-out (last = test, second-last = validation, rest = training; test input ="
            + " training + validation item), full ranking over all items, per-user means");
    settings.put("commit", provenance.gitCommit());
    settings.put("java", provenance.javaVersion());
    settings.put("os", provenance.os() + " " + provenance.arch());
    settings.put("cpu", Machine.cpuModel());
    settings.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    settings.put("ram", Machine.totalMemory());
    settings.put("threads", Integer.toString(options.threads));
    settings.put("seed", Long.toString(options.seed));
    settings.put(
        "ID-based models, unseen items",
        options.idUnseenItems.equals("floor")
            ? "floor: items never in training score -infinity (tied with each other, below every"
                + " seen item)"
            : "learned: the model's own score for items never in training");
    return settings;
  }
}
