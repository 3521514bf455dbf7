package io.recformer.cli;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.item.AttributeLayout;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.filter.DatasetFilters;
import io.recformer.data.importer.RecBoleFields;
import io.recformer.data.stats.DatasetStatistics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code recformer data ...}: import and describe datasets. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = "Import datasets into the canonical form and print their statistics.",
    subcommands = {DataCommand.Import.class, DataCommand.Stats.class})
final class DataCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = {
        "Import a directory in any supported format (Amazon 2018 raw, RecBole, UniSRec,"
            + " sequential split files, LC-Rec-style JSON, original Recformer) and save it as a"
            + " canonical dataset.",
        "The output is written atomically: a failed import leaves no partial dataset."
      })
  static final class Import implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Import.class);

    @Parameters(index = "0", description = "Directory holding the source files.")
    Path source;

    @Option(
        names = {"-o", "--out"},
        required = true,
        description = "Directory of the canonical dataset to write.")
    Path out;

    @Mixin ImportArguments importing;

    @Option(
        names = "--min-user-interactions",
        description = "Drop users with fewer interactions (default: ${DEFAULT-VALUE}).")
    int minUserInteractions = 0;

    @Option(
        names = "--k-core",
        description = "Iterative k-core on users and items (0 = off; default: ${DEFAULT-VALUE}).")
    int kCore = 0;

    @Option(
        names = "--attributes",
        split = ",",
        description =
            "Attributes to keep, in encoding order (e.g. title,brand,category). Default: all.")
    List<String> attributes;

    @Option(
        names = "--attribute",
        split = ",",
        paramLabel = "COLUMN=KEY",
        description =
            "RecBole .item column to attribute key, e.g. movie_title=title,class=category."
                + " Unmapped text columns keep their names.")
    Map<String, String> attributeNames;

    @Option(
        names = "--user-field",
        description = "RecBole user id column (USER_ID_FIELD; default: ${DEFAULT-VALUE}).")
    String userField = "user_id";

    @Option(
        names = "--item-field",
        description = "RecBole item id column (ITEM_ID_FIELD; default: ${DEFAULT-VALUE}).")
    String itemField = "item_id";

    @Option(
        names = "--time-field",
        description =
            "RecBole timestamp column (TIME_FIELD; default: ${DEFAULT-VALUE}, used when present).")
    String timeField = "timestamp";

    @Option(
        names = "--rating-field",
        description = "RecBole rating column read by --min-rating (default: ${DEFAULT-VALUE}).")
    String ratingField = "rating";

    @Option(
        names = "--min-rating",
        paramLabel = "R",
        description = "Drop RecBole interactions rated below R (counted in the import report).")
    Double minRating;

    @Override
    public Integer call() throws Exception {
      RecBoleFields fields =
          new RecBoleFields(
              userField,
              itemField,
              timeField,
              ratingField,
              minRating,
              attributeNames == null ? Map.of() : attributeNames);
      Dataset dataset =
          DatasetArguments.open(source, importing.options().withRecBoleFields(fields));
      if (attributes != null && !attributes.isEmpty()) {
        dataset = DatasetFilters.selectAttributes(dataset, new AttributeLayout(attributes));
      }
      if (minUserInteractions > 0) {
        dataset = DatasetFilters.minUserInteractions(dataset, minUserInteractions);
      }
      if (kCore > 0) {
        dataset = DatasetFilters.kCore(dataset, kCore);
      }
      dataset.write(out);
      LOG.info("wrote {} to {}", dataset, out);
      System.out.println(DatasetStatistics.of(dataset).toMarkdown());
      System.out.println("Next: recformer data stats " + out);
      return 0;
    }
  }

  @Command(
      name = "stats",
      mixinStandardHelpOptions = true,
      description =
          "Print users, items, interactions, sequence-length and tokens-per-item distributions.")
  static final class Stats implements Callable<Integer> {

    @Parameters(
        arity = "1..*",
        description = "Dataset directories (saved datasets or importable sources).")
    List<Path> directories;

    @Option(
        names = "--tokenizer",
        description =
            "tokenizer.json path, or 'minilm' for the bundled all-MiniLM-L6-v2 tokenizer (default:"
                + " ${DEFAULT-VALUE}); 'none' skips token counts.")
    String tokenizer = TokenizerArguments.MINILM;

    @Mixin ImportArguments importing;

    @Override
    public Integer call() throws Exception {
      // The bundled tokenizer is copied into a work directory, deleted however the command ends.
      Path work = Files.createTempDirectory("recformer-stats");
      try {
        return printStatistics(work);
      } finally {
        AtomicFiles.deleteRecursively(work);
      }
    }

    private int printStatistics(Path work) throws IOException {
      RecformerConfig config = RecformerConfig.miniLmL6();
      try (RecformerTokenizer tok =
          "none".equals(tokenizer) ? null : TokenizerArguments.open(tokenizer, config, work)) {
        for (Path dir : directories) {
          Dataset dataset = DatasetArguments.open(dir, importing.options());
          DatasetStatistics stats =
              tok == null
                  ? DatasetStatistics.of(dataset)
                  : DatasetStatistics.of(dataset, item -> tok.tokenizeItem(item).length());
          System.out.println("### " + dir.getFileName());
          System.out.println();
          System.out.print(stats.toMarkdown());
          if (tok != null) {
            System.out.println();
            System.out.printf(
                Locale.ROOT,
                "Tokens per item: %s tokenizer, first %d attributes, key+value pairs cut at %d"
                    + " tokens.%n",
                tok.family(),
                config.maxAttributes(),
                config.maxAttributeTokens());
          }
          System.out.println();
        }
      }
      return 0;
    }
  }
}
