package io.recformer.cli;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.data.stats.DatasetStatistics;
import io.recformer.data.stats.Distribution;
import io.recformer.train.run.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's main job on the bundled real data: import, statistics, leave-one-out split and the
 * exact Recformer encoding of every evaluation input, with throughput. Later stages of the pipeline
 * (zero-shot evaluation, fine-tuning, export, index, recommendations) join it as they land.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "Run the pipeline on the bundled Amazon Scientific data and print what it found.")
final class QuickstartCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(QuickstartCommand.class);

  @Option(names = "--data", description = "Dataset directory (default: the bundled"
      + " data/amazon-scientific-unisrec of the repository).")
  Path data;

  @Option(names = {"-o", "--out"}, description = "Output directory (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("runs", "quickstart");

  @Option(names = "--max-tokens", description = "Tokens per sequence, [CLS] included (default: ${DEFAULT-VALUE}).")
  int maxTokens = 512;

  @Option(names = "--batch-size", description = "Sequences per collated batch (default: ${DEFAULT-VALUE}).")
  int batchSize = 32;

  @Override
  public Integer call() throws Exception {
    if (data == null) {
      // The launcher passes the repository root, so the quickstart works from any directory.
      data = Path.of(System.getProperty("recformer.home", ".")).resolve("data").resolve("amazon-scientific-unisrec");
    }
    Files.createDirectories(out);
    RecformerConfig config = RecformerConfig.miniLmL6().toBuilder().maxTokens(maxTokens).build();
    StringBuilder report = new StringBuilder("# Quickstart\n\n");

    System.out.println("[1/3] Importing " + data);
    Dataset dataset = DatasetArguments.open(data, false);
    dataset.write(out.resolve("dataset"));

    try (RecformerTokenizer tokenizer = TokenizerArguments.open(TokenizerArguments.MINILM, config, out)) {
      System.out.println("[2/3] Statistics (all-MiniLM-L6-v2 WordPiece tokenizer)");
      ItemTokenCache cache = new ItemTokenCache(tokenizer, dataset.items()).tokenizeAll();
      DatasetStatistics stats = DatasetStatistics.of(dataset,
          item -> cache.get(item.id()).length());
      report.append("## Dataset\n\n").append(stats.toMarkdown()).append('\n');
      System.out.println(stats.toMarkdown());

      System.out.println("[3/3] Leave-one-out split and Recformer encoding of every evaluation input");
      LeaveOneOutSplit split = LeaveOneOutSplit.of(dataset);
      String encoding = encodeAll(cache, BatchCollator.forLongformer(config, tokenizer.padId()),
          split.validation(), split.test(), config);
      report.append("## Encoding\n\n").append(encoding);
      System.out.println(encoding);
    }
    Path reportFile = out.resolve("report.md");
    AtomicFiles.writeString(reportFile, report.toString());
    System.out.println("Report written to " + reportFile.toAbsolutePath());
    return 0;
  }

  private String encodeAll(ItemTokenCache cache, BatchCollator collator, List<Example> validation,
      List<Example> test, RecformerConfig config) {
    List<Example> all = new ArrayList<>(validation);
    all.addAll(test);
    Progress progress = new Progress(LOG, "encoding histories", all.size(), "sequences", 2.0);
    int[] lengths = new int[all.size()];
    long paddedTokens = 0;
    long realTokens = 0;
    List<EncodedSequence> pending = new ArrayList<>(batchSize);
    for (int i = 0; i < all.size(); i++) {
      EncodedSequence sequence = cache.encodeHistory(all.get(i).history());
      lengths[i] = sequence.length();
      pending.add(sequence);
      if (pending.size() == batchSize || i == all.size() - 1) {
        EncodedBatch batch = collator.collate(pending);
        paddedTokens += (long) batch.batchSize() * batch.length();
        realTokens += batch.realTokens();
        pending.clear();
      }
      progress.advance(1, null);
    }
    double seconds = progress.elapsedSeconds();
    // What batching similar lengths together (as the item encoder and the ONNX runtime do) saves.
    int[] sorted = lengths.clone();
    java.util.Arrays.sort(sorted);
    long sortedPadded = 0;
    for (int from = 0; from < sorted.length; from += batchSize) {
      int to = Math.min(from + batchSize, sorted.length);
      sortedPadded += (long) (to - from) * collator.paddedLength(sorted[to - 1]);
    }
    Distribution distribution = Distribution.of(lengths);
    int truncated = 0;
    for (int length : lengths) {
      truncated += length == config.maxTokens() ? 1 : 0;
    }
    return String.format(Locale.ROOT,
        "| | |%n|---|---|%n| sequences (validation + test inputs) | %,d |%n| tokens per sequence | %s |%n"
            + "| sequences at the %d-token limit | %,d |%n| padding overhead (batches of %d, window multiple %d) | %.1f%% |%n"
            + "| padding overhead, length-sorted batches | %.1f%% |%n"
            + "| encoding throughput | %,.0f sequences/s |%n",
        all.size(), distribution.summary(), config.maxTokens(), truncated, batchSize, config.attentionWindow(),
        100.0 * (paddedTokens - realTokens) / paddedTokens,
        100.0 * (sortedPadded - realTokens) / sortedPadded, all.size() / seconds);
  }
}
