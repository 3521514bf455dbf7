package io.recformer.infer.catalog;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.index.ExactItemIndex;
import io.recformer.infer.index.ItemIndex;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Items and vectors derived from the item id alone, so that a test (or a crashed child JVM's
 * parent) can recompute what an item must hold without having seen it written.
 */
final class Fixtures {

  static final int DIM = 8;
  static final String MODEL = "sha256:test-model";
  static final int MAX_ATTRIBUTES = 3;

  private Fixtures() {}

  static Item item(String id) {
    return Item.of(id, "title", "Title of " + id + " ü", "brand", "Brand " + (id.length() % 5));
  }

  static float[] vector(String id) {
    SplittableRandom random = new SplittableRandom(seed(id));
    float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) (random.nextDouble() * 2 - 1);
    }
    v[0] += 3; // never all zeros
    return v;
  }

  static long seed(String id) {
    long h = 1125899906842597L;
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      h = 31 * h + b;
    }
    return h;
  }

  static List<Item> items(String prefix, int n) {
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(item(prefix + i));
    }
    return out;
  }

  static float[][] vectors(List<Item> items) {
    float[][] out = new float[items.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = vector(items.get(i).id());
    }
    return out;
  }

  static long[] texts(List<Item> items) {
    return TextFingerprint.of(items, MAX_ATTRIBUTES);
  }

  static ItemIndex index(List<Item> items) {
    return ExactItemIndex.build(
        items.stream().map(Item::id).toList(), vectors(items), texts(items), MODEL);
  }

  /** A store of exactly these items. */
  static ItemStore store(List<Item> items) {
    return ItemStore.of(ItemCatalog.of(items));
  }

  /** The cosine of two vectors in double precision. */
  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
