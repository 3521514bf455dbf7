package io.recformer.bench.jmh;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.Item;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedBatch;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.train.weights.MiniLmImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Input encoding on the real Scientific items with the MiniLM tokenizer at 512 max tokens:
 * tokenizing items (the Hugging Face native tokenizer, the cold path), building histories from
 * cached item tokens ({@link ItemTokenCache}, {@code SequenceEncoder}) and padding them into a
 * batch ({@link BatchCollator}), as the training loop and the serving path do. Scores are per item
 * or per sequence (operations per invocation), so ops/s = items/s or sequences/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xss4m", "-Dai.djl.offline=true"})
public class InputEncodingBenchmark {

  static final int ITEMS_PER_CALL = 256;
  static final int HISTORIES_PER_CALL = 64;

  Path directory;
  RecformerTokenizer tokenizer;
  ItemTokenCache cache;
  BatchCollator collator;
  List<Item> items;
  List<UserHistory> users;
  int next;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    directory = Files.createTempDirectory("recformer-jmh-input");
    Path tokenizerJson = directory.resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(tokenizerJson);
    RecformerConfig config = RecformerConfig.miniLmL6();
    tokenizer = RecformerTokenizer.open(tokenizerJson, config);
    Dataset data = BenchData.scientific();
    cache = new ItemTokenCache(tokenizer, data.items()).tokenizeAll();
    collator = BatchCollator.forLongformer(config, tokenizer.padId());
    items = data.items().items().subList(0, ITEMS_PER_CALL);
    users = data.users();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    tokenizer.close();
    Files.deleteIfExists(directory.resolve("tokenizer.json"));
    Files.deleteIfExists(directory);
  }

  /**
   * Items/s through the native tokenizer (key and value of each attribute, reference section 2).
   */
  @Benchmark
  @OperationsPerInvocation(ITEMS_PER_CALL)
  public Object tokenizeItems() {
    return tokenizer.tokenizeItems(items);
  }

  /** Histories/s from cached item tokens: [CLS] + items, most recent first, cut to max tokens. */
  @Benchmark
  @OperationsPerInvocation(HISTORIES_PER_CALL)
  public Object encodeHistories() {
    List<EncodedSequence> out = new ArrayList<>(HISTORIES_PER_CALL);
    for (int i = 0; i < HISTORIES_PER_CALL; i++) {
      out.add(cache.encodeHistory(nextUser()));
    }
    return out;
  }

  /** Histories/s encoded and padded into batches of 16 (the training loop's input path). */
  @Benchmark
  @OperationsPerInvocation(HISTORIES_PER_CALL)
  public long encodeAndCollate() {
    long sum = 0;
    for (int b = 0; b < HISTORIES_PER_CALL; b += 16) {
      List<EncodedSequence> batch = new ArrayList<>(16);
      for (int i = 0; i < 16; i++) {
        batch.add(cache.encodeHistory(nextUser()));
      }
      EncodedBatch encoded = collator.collate(batch);
      sum += encoded.length();
    }
    return sum;
  }

  private UserHistory nextUser() {
    UserHistory h = users.get(next);
    next = (next + 1) % users.size();
    return h;
  }
}
