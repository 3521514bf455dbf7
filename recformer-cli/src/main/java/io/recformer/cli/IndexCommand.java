package io.recformer.cli;

import io.recformer.data.dataset.Dataset;
import io.recformer.infer.catalog.Catalog;
import io.recformer.infer.catalog.ItemStore;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.index.HnswItemIndex;
import io.recformer.infer.index.HnswParameters;
import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.ItemIndexes;
import io.recformer.infer.index.OpenOptions;
import io.recformer.infer.recommend.Recommender;
import io.recformer.infer.recommend.RecommenderOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code recformer index}: embeds a dataset's item catalog with a bundle, or takes a fine-tuning
 * run's stored item matrix ({@code --item-matrix}, {@link StoredItemMatrix}), and saves the item
 * index (versioned binary file, written atomically) or a catalog directory ({@code --catalog}) that
 * {@code recformer recommend --index} opens; {@code --verify} checks an existing one instead.
 */
@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    description = {
      "Embed every catalog item of a dataset with an ONNX model bundle and save the item index.",
      "The index file is versioned, written atomically and tied to the bundle's model hash.",
      "With --verify, check an existing index file or catalog directory (--out) instead: every"
          + " byte against its checksum; exits 2 naming the file, section and checksums when"
          + " damaged."
    })
final class IndexCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(IndexCommand.class);

  @Mixin BundleOptions bundle;

  @Option(
      names = "--data",
      description =
          "Dataset whose items are indexed: a saved dataset or any importable directory (required"
              + " unless --verify).")
  Path data;

  @Option(
      names = {"-o", "--out"},
      required = true,
      description =
          "Index file to write (suggested extension .rfidx, .rfhnsw for --index-kind hnsw), or with"
              + " --catalog a catalog directory;"
              + " with --verify the file or directory to check.")
  Path out;

  @Option(
      names = "--catalog",
      description =
          "Write a catalog directory (index, item text, delta log) at --out instead of one index"
              + " file: a service opens it with Recommender.open and adds items to it durably.")
  boolean catalog;

  @Option(
      names = "--verify",
      description =
          "Do not build: read every byte of the existing index file or catalog directory at --out"
              + " and check it against its checksums (and the model hash when --bundle is given).")
  boolean verify;

  @Option(
      names = "--item-matrix",
      paramLabel = "<file>",
      description = {
        "Index the rows of this stored item matrix (a fine-tuning run's item-matrix.safetensors, or"
            + " its checkpoint's) instead of encoding the items: the matrix the run was evaluated"
            + " with.",
        "Needed when the run trained the matrix (stage2TrainsMatrix, TRAINABLE_MATRIX); rows follow"
            + " the catalog order of the dataset the run was trained on, which must be --data."
      })
  Path itemMatrix;

  @Option(
      names = "--index-kind",
      paramLabel = "exact|hnsw",
      description = {
        "exact (default): compare every item; best for catalogs up to a few hundred thousand"
            + " items. hnsw: an approximate HNSW graph (Lucene) for large catalogs: far more"
            + " queries per second, Recall@10 below 1 (set by --hnsw-ef-search).",
        "`recommend --index` opens either kind."
      })
  String indexKind = "exact";

  @Option(
      names = "--hnsw-m",
      description =
          "HNSW links per node (M; 2M on the bottom layer): higher = better recall, more memory"
              + " and build time (default: ${DEFAULT-VALUE}).")
  int hnswM = HnswParameters.DEFAULTS.maxConnections();

  @Option(
      names = "--hnsw-beam-width",
      description =
          "HNSW efConstruction: candidates per insertion; higher = better graph, slower build"
              + " (default: ${DEFAULT-VALUE}).")
  int hnswBeamWidth = HnswParameters.DEFAULTS.beamWidth();

  @Option(
      names = "--hnsw-ef-search",
      description =
          "HNSW query beam saved with the index: higher = better recall, slower queries (default:"
              + " ${DEFAULT-VALUE}).")
  int hnswEfSearch = HnswParameters.DEFAULTS.efSearch();

  @Option(
      names = "--hnsw-seed",
      description = "Seed of the HNSW layer assignment (default: ${DEFAULT-VALUE}).")
  long hnswSeed = HnswParameters.DEFAULTS.seed();

  @Override
  public Integer call() throws Exception {
    if (verify) {
      return verify();
    }
    if (data == null) {
      throw new IllegalArgumentException("Missing required option: '--data=<data>'");
    }
    ItemIndexes.Kind kind = ItemIndexes.Kind.of(indexKind);
    HnswParameters hnsw = new HnswParameters(hnswM, hnswBeamWidth, hnswEfSearch, hnswSeed);
    if (kind == ItemIndexes.Kind.HNSW && itemMatrix != null) {
      throw new IllegalArgumentException(
          "--index-kind hnsw and --item-matrix cannot be combined yet: build the exact index, then"
              + " an HNSW index from it in Java (HnswItemIndex.build(ExactItemIndex.open(file),"
              + " parameters))");
    }
    Dataset dataset = DatasetArguments.open(data, false);
    if (catalog && itemMatrix != null) {
      throw new IllegalArgumentException(
          "--catalog and --item-matrix cannot be combined: a catalog directory encodes its items"
              + " (added items are encoded too)");
    }
    if (itemMatrix != null) {
      try (RecformerEncoder encoder = bundle.open()) {
        createParent();
        StoredItemMatrix.writeIndex(itemMatrix, dataset, encoder, out);
        String line =
            String.format(
                Locale.ROOT,
                "indexed %,d items (%d dimensions) from %s -> %s",
                dataset.itemCount(),
                encoder.dimension(),
                itemMatrix,
                out);
        LOG.info(line);
        System.out.println(line);
      }
      printNext();
      return 0;
    }
    try (RecformerEncoder encoder = bundle.open()) {
      LOG.info("embedding {} items with {}", dataset.itemCount(), encoder);
      long start = System.nanoTime();
      createParent();
      int size;
      if (kind == ItemIndexes.Kind.HNSW) {
        try (Recommender recommender = Recommender.build(encoder, dataset.items())) {
          long graphStart = System.nanoTime();
          HnswItemIndex graph = HnswItemIndex.build(recommender.catalog().index(), hnsw);
          LOG.info(
              "built the HNSW graph ({}) in {} s",
              hnsw,
              (System.nanoTime() - graphStart) / 1_000_000_000);
          if (catalog) {
            Catalog.create(out, ItemStore.of(dataset.items()), graph).close();
          } else {
            graph.save(out);
          }
          size = graph.size();
        }
      } else if (catalog) {
        try (Recommender recommender =
            Recommender.create(encoder, dataset.items(), out, RecommenderOptions.defaults())) {
          size = recommender.size();
        }
      } else {
        try (Recommender recommender = Recommender.build(encoder, dataset.items())) {
          recommender.saveIndex(out);
          size = recommender.size();
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      String line =
          String.format(
              Locale.ROOT,
              "indexed %,d items (%d dimensions) in %.1f s, %,.1f items/s -> %s",
              size,
              encoder.dimension(),
              seconds,
              size / seconds,
              out);
      LOG.info(line);
      System.out.println(line);
    }
    printNext();
    return 0;
  }

  /** Checks every checksum of an existing index file or catalog directory. */
  private int verify() throws IOException {
    long start = System.nanoTime();
    String what;
    if (Files.isDirectory(out)) {
      OpenOptions options = OpenOptions.DEFAULTS;
      if (bundle.bundle != null) {
        try (RecformerEncoder encoder = bundle.open()) {
          options = options.withExpectedFingerprint(modelFingerprint(encoder));
        }
      }
      try (Catalog opened = Catalog.open(out, options)) {
        opened.verify();
        what =
            "catalog "
                + out
                + " (generation "
                + opened.generation()
                + ", "
                + opened.size()
                + " items)";
      }
    } else {
      OpenOptions options = OpenOptions.DEFAULTS;
      if (bundle.bundle != null) {
        try (RecformerEncoder encoder = bundle.open()) {
          options = options.withExpectedFingerprint(modelFingerprint(encoder));
        }
      }
      ItemIndex index = ItemIndexes.open(out, options);
      ItemIndexes.verify(out);
      what = "item index " + out + " (" + index.size() + " items x " + index.dimension() + ")";
    }
    System.out.printf(
        Locale.ROOT,
        "verified %s: every checksum matches (%.1f s)%n",
        what,
        (System.nanoTime() - start) / 1e9);
    return 0;
  }

  private static String modelFingerprint(RecformerEncoder encoder) {
    return encoder.manifest().modelSha256().map(hash -> "sha256:" + hash).orElse(null);
  }

  private void createParent() throws IOException {
    if (out.toAbsolutePath().getParent() != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
    }
  }

  private void printNext() {
    System.out.println(
        "Next: recformer recommend --bundle "
            + bundle.bundle
            + " --index "
            + out
            + " --data "
            + data
            + " --user <user id>");
  }
}
