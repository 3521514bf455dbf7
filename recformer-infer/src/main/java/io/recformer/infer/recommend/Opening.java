package io.recformer.infer.recommend;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.catalog.Catalog;
import io.recformer.infer.catalog.ItemStore;
import io.recformer.infer.catalog.TextFingerprint;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.index.ExactItemIndex;
import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.ItemIndex.OnExisting;
import io.recformer.infer.index.ItemIndexes;
import io.recformer.infer.index.OpenOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link Recommender} comes to life from saved files: a catalog directory (replayed, then
 * brought in line with a current catalog) or an index file with an in-memory catalog (text changes
 * re-encoded or refused), each verified before the open returns or in the background.
 */
final class Opening {

  private static final Logger LOG = LoggerFactory.getLogger(Recommender.class);

  private Opening() {}

  static Recommender directory(
      RecformerEncoder encoder, Path dir, ItemCatalog current, RecommenderOptions options)
      throws IOException {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(options, "options");
    // With verify, catalog.verify() below reads every file once; the open itself need not.
    Catalog catalog = Catalog.open(dir, openOptions(encoder, options).withVerify(false));
    Recommender recommender = null;
    try {
      HealthMonitor monitor =
          options.verify()
              ? HealthMonitor.healthy(
                  "catalog " + dir, "verified when opened", options.healthListener())
              : HealthMonitor.verifying(
                  "catalog " + dir, catalog::verify, options.healthListener());
      recommender = new Recommender(encoder, catalog, true, options, monitor);
      if (options.verify()) {
        catalog.verify();
      }
      if (current != null) {
        TextChanges changes =
            TextChanges.compare(catalog.index(), current.items(), maxAttributes(encoder));
        refuseChanges(changes, options, dir);
        List<Item> update = new ArrayList<>(changes.changed());
        update.addAll(changes.missing());
        recommender.put(update, OnExisting.REPLACE);
        LOG.info(
            "catalog {}: {} items re-encoded (text changed), {} added from the current catalog",
            dir,
            changes.changed().size(),
            changes.missing().size());
      }
      return recommender;
    } catch (IOException | RuntimeException e) {
      if (recommender != null) {
        recommender.close();
      } else {
        catalog.close();
      }
      throw e;
    }
  }

  static Recommender indexFile(
      RecformerEncoder encoder, ItemCatalog catalog, Path indexFile, RecommenderOptions options)
      throws IOException {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(options, "options");
    ItemIndex index = ItemIndexes.open(indexFile, openOptions(encoder, options));
    TextChanges changes = TextChanges.compare(index, catalog.items(), maxAttributes(encoder));
    if (index.size() != catalog.size() || !changes.missing().isEmpty()) {
      throw new IllegalArgumentException(
          "index "
              + indexFile
              + " holds "
              + index.size()
              + " items, the catalog "
              + catalog.size()
              + (changes.missing().isEmpty()
                  ? ""
                  : "; not in the index: " + TextChanges.describe(changes.missing()))
              + " (an index file holds exactly its catalog; serve a growing catalog from a catalog"
              + " directory, Recommender.create)");
    }
    refuseChanges(changes, options, indexFile);
    if (!changes.changed().isEmpty()) {
      List<Item> changed = changes.changed();
      index =
          index.add(
              changed.stream().map(Item::id).toList(),
              encoder.embedItems(changed),
              TextFingerprint.of(changed, maxAttributes(encoder)),
              OnExisting.REPLACE);
      LOG.warn(
          "index {}: re-encoded {} whose text changed since the index was built; rebuild the index"
              + " to keep this from running at every start",
          indexFile,
          TextChanges.describe(changed));
    }
    if (changes.unknown() > 0) {
      LOG.info(
          "index {}: {} rows have no text fingerprint (format 1 or a stored item matrix); text"
              + " changes of those items are not detected",
          indexFile,
          changes.unknown());
    }
    HealthMonitor monitor =
        options.verify()
            ? HealthMonitor.healthy(
                "index " + indexFile, "verified when opened", options.healthListener())
            : HealthMonitor.verifying(
                "index " + indexFile,
                () -> ItemIndexes.verify(indexFile),
                options.healthListener());
    return new Recommender(
        encoder, Catalog.inMemory(ItemStore.of(catalog), index), true, options, monitor);
  }

  static void refuseChanges(TextChanges changes, RecommenderOptions options, Object where) {
    if (!changes.changed().isEmpty()
        && options.onChangedText() == RecommenderOptions.ChangedText.FAIL) {
      throw new IllegalArgumentException(
          where
              + ": the text of "
              + TextChanges.describe(changes.changed())
              + " changed since their vectors were computed; rebuild the index, or open with"
              + " ChangedText.REENCODE to re-encode them");
    }
  }

  static OpenOptions openOptions(RecformerEncoder encoder, RecommenderOptions options) {
    return OpenOptions.DEFAULTS
        .withExpectedFingerprint(fingerprint(encoder))
        .withVerify(options.verify())
        .withVectorsInHeap(options.vectorsInHeap());
  }

  static ItemIndex embed(RecformerEncoder encoder, ItemCatalog catalog) {
    long start = System.nanoTime();
    float[][] vectors = encoder.embedItems(catalog.items());
    List<String> ids = catalog.items().stream().map(Item::id).toList();
    ItemIndex index =
        ExactItemIndex.build(
            ids,
            vectors,
            TextFingerprint.of(catalog.items(), maxAttributes(encoder)),
            fingerprint(encoder));
    LOG.info(
        "embedded and indexed {} items in {} ms",
        catalog.size(),
        (System.nanoTime() - start) / 1_000_000);
    return index;
  }

  static int maxAttributes(RecformerEncoder encoder) {
    return encoder.config().maxAttributes();
  }

  static void requireModel(RecformerEncoder encoder, ItemIndex index) {
    String expected = fingerprint(encoder);
    if (!expected.equals(index.fingerprint())) {
      throw new IllegalArgumentException(
          "index was built by model '"
              + index.fingerprint()
              + "', bundle is '"
              + expected
              + "'; rebuild the index with this bundle");
    }
  }

  /**
   * The index's fingerprint: the bundle's model hash, so an index from another model is refused.
   */
  static String fingerprint(RecformerEncoder encoder) {
    return encoder
        .manifest()
        .modelSha256()
        .map(hash -> "sha256:" + hash)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "bundle manifest records no model hash, so an item index"
                        + " cannot be tied to this model; re-export the bundle"));
  }
}
