package io.recformer.train.bench;

import ai.djl.ndarray.NDManager;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.importer.Datasets;
import io.recformer.train.model.AttentionMode;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.MiniLmImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * DJL no-grad encoding speed of the first 1,024 real Scientific items (MiniLM weights, mean
 * pooling), sorted by length, for the given settings {@code batch:MODE:round|unround} (MODE an
 * {@link AttentionMode}; round = batches padded to the window, as {@code
 * BatchCollator.forLongformer}). Prints items/s for two passes; the second is the one to quote.
 *
 * <pre>
 * java -cp ... io.recformer.train.bench.ItemEncodingSpeed 64:SLIDING_WINDOW:unround 32:SLIDING_WINDOW:unround
 * </pre>
 */
public final class ItemEncodingSpeed {

  private ItemEncodingSpeed() {}

  public static void main(String[] args) throws Exception {
    var dataset = Datasets.importAuto(Path.of("data/amazon-scientific-unisrec")).dataset();
    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder().maxTokens(128).pooling(Pooling.MEAN).build();
    Path json = Files.createTempDirectory("item-speed").resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(json);
    try (RecformerTokenizer tokenizer = RecformerTokenizer.open(json, config);
        NDManager root = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(root, config, 1)) {
      model.loadWeights(MiniLmImporter.importFromClasspath(config, 1));
      ItemTokenCache cache = new ItemTokenCache(tokenizer, dataset.items()).tokenizeAll();
      List<EncodedSequence> seqs = new ArrayList<>();
      for (int i = 0; i < 1024; i++) {
        seqs.add(cache.encodeItem(i));
      }
      seqs.sort(Comparator.comparingInt(EncodedSequence::length));
      long tokens = seqs.stream().mapToLong(EncodedSequence::length).sum();
      System.out.println("items 1024, tokens " + tokens);
      for (String setting : args) {
        String[] p = setting.split(":", -1);
        int batch = Integer.parseInt(p[0]);
        AttentionMode mode = AttentionMode.valueOf(p[1]);
        BatchCollator collator =
            p[2].equals("round")
                ? BatchCollator.forLongformer(config, tokenizer.padId())
                : BatchCollator.unrounded(config, tokenizer.padId());
        for (int pass = 0; pass < 2; pass++) {
          long t0 = System.nanoTime();
          for (int from = 0; from < seqs.size(); from += batch) {
            try (NDManager m = root.newSubManager()) {
              model
                  .encode(
                      m,
                      collator.collate(seqs.subList(from, Math.min(seqs.size(), from + batch))),
                      false,
                      mode)
                  .pooled()
                  .toFloatArray();
            }
          }
          double s = (System.nanoTime() - t0) / 1e9;
          System.out.printf(
              Locale.ROOT,
              "%s pass %d: %.1f items/s, %.0f tokens/s%n",
              setting,
              pass,
              1024 / s,
              tokens / s);
        }
      }
    }
  }
}
