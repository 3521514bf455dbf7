package io.recformer.infer.catalog;

import io.recformer.core.item.Item;
import io.recformer.infer.index.ItemIndex.OnExisting;
import io.recformer.infer.index.OpenOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The child JVM of the kill tests: opens a catalog directory and adds batches of items (and, in
 * "checkpoint" mode, compacts every few batches) until it is killed, printing "ack id1 id2 ..." on
 * standard output after each addition returned: the parent kills it with SIGKILL at a random moment
 * and checks that every acknowledged item survived.
 *
 * <p>Arguments: catalog directory, mode ("add" or "checkpoint"), run name (id prefix), seed.
 */
public final class CatalogCrashChild {

  private CatalogCrashChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    boolean checkpoints = args[1].equals("checkpoint");
    String run = args[2];
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[3]));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + 120_000_000_000L; // never outlive a parent that died
    try (Catalog catalog = Catalog.open(dir, OpenOptions.DEFAULTS.withVerify(false))) {
      out.println("open " + catalog.size());
      int next = 0;
      for (int batch = 0; System.nanoTime() < deadline; batch++) {
        int n = 1 + random.nextInt(4);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          items.add(Fixtures.item(run + "-" + next++));
        }
        catalog.add(items, Fixtures.vectors(items), Fixtures.texts(items), OnExisting.FAIL);
        StringBuilder ack = new StringBuilder("ack");
        items.forEach(item -> ack.append(' ').append(item.id()));
        out.println(ack);
        if (checkpoints && batch % 7 == 6) {
          catalog.checkpoint();
          out.println("checkpoint " + catalog.generation());
        }
      }
    }
  }
}
