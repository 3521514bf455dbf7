package io.recformer.cli;

import io.recformer.data.dataset.Dataset;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.recommend.Recommender;
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
 * index (versioned binary file, written atomically) that {@code recformer recommend --index} opens.
 */
@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    description = {
      "Embed every catalog item of a dataset with an ONNX model bundle and save the item index.",
      "The index file is versioned, written atomically and tied to the bundle's model hash."
    })
final class IndexCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(IndexCommand.class);

  @Mixin BundleOptions bundle;

  @Option(
      names = "--data",
      required = true,
      description = "Dataset whose items are indexed: a saved dataset or any importable directory.")
  Path data;

  @Option(
      names = {"-o", "--out"},
      required = true,
      description = "Index file to write (suggested extension .rfidx).")
  Path out;

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

  @Override
  public Integer call() throws Exception {
    Dataset dataset = DatasetArguments.open(data, false);
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
      Recommender recommender = Recommender.build(encoder, dataset.items());
      double seconds = (System.nanoTime() - start) / 1e9;
      createParent();
      recommender.saveIndex(out);
      String line =
          String.format(
              Locale.ROOT,
              "indexed %,d items (%d dimensions) in %.1f s, %,.1f items/s -> %s",
              recommender.size(),
              encoder.dimension(),
              seconds,
              recommender.size() / seconds,
              out);
      LOG.info(line);
      System.out.println(line);
    }
    printNext();
    return 0;
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
