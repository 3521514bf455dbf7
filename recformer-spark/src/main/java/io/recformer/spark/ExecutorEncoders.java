package io.recformer.spark;

import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link RecformerEncoder} per executor JVM and bundle, opened by the first task that needs it
 * and shared by all later tasks of every job in that JVM (the encoder is thread-safe; opening one
 * costs seconds and a model's worth of memory). Encoders are closed when the JVM exits.
 */
final class ExecutorEncoders {

  private static final Logger LOG = LoggerFactory.getLogger(ExecutorEncoders.class);

  /** Encoders are keyed by the bundle's resolved path and the options they were opened with. */
  private record Key(Path bundle, EncoderOptions options) {}

  private static final Map<Key, RecformerEncoder> OPEN = new ConcurrentHashMap<>();
  private static final AtomicInteger OPENED = new AtomicInteger();
  private static final AtomicBoolean HOOK = new AtomicBoolean();

  private ExecutorEncoders() {}

  /** This JVM's encoder for the bundle, opened on first use. */
  static RecformerEncoder get(BundleLocation location, EncoderOptions options) {
    Key key = new Key(location.resolve().toAbsolutePath().normalize(), options);
    // computeIfAbsent holds other tasks asking for the same key until the encoder is open.
    return OPEN.computeIfAbsent(key, ExecutorEncoders::open);
  }

  private static RecformerEncoder open(Key key) {
    if (HOOK.compareAndSet(false, true)) {
      Runtime.getRuntime()
          .addShutdownHook(new Thread(ExecutorEncoders::closeAll, "recformer-encoders-close"));
    }
    try {
      long start = System.nanoTime();
      RecformerEncoder encoder = RecformerEncoder.open(key.bundle(), key.options());
      OPENED.incrementAndGet();
      LOG.info(
          "opened bundle {} for this JVM in {} ms",
          key.bundle(),
          (System.nanoTime() - start) / 1_000_000);
      return encoder;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open bundle " + key.bundle(), e);
    }
  }

  /** How many encoders this JVM has opened (for tests: one per bundle, however many tasks). */
  static int openedCount() {
    return OPENED.get();
  }

  private static void closeAll() {
    OPEN.values().forEach(RecformerEncoder::close);
    OPEN.clear();
  }
}
