package io.recformer.infer.index;

import io.recformer.infer.index.ItemIndex.OnExisting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link ExactItemIndex#add}: validates the new rows, then derives the next index, sharing the
 * existing vectors (and their mapping), ids and text fingerprints instead of copying them.
 */
final class IndexAdditions {

  private IndexAdditions() {}

  static ExactItemIndex apply(
      ExactItemIndex index,
      List<String> newIds,
      float[][] vectors,
      long[] textFingerprints,
      OnExisting onExisting) {
    AdditionBatch batch =
        AdditionBatch.check(
            index.ids(), index.dimension(), newIds, vectors, textFingerprints, onExisting);
    if (batch.isEmpty()) {
      return index;
    }
    int dim = index.dimension();
    String[] idArray = batch.ids();
    float[] normalized = batch.normalized();
    int[] existingRows = batch.existingRows();
    IdTable ids = index.ids();
    List<Integer> appended = new ArrayList<>();
    List<Integer> replaced = new ArrayList<>();
    for (int i = 0; i < idArray.length; i++) {
      if (existingRows[i] < 0) {
        appended.add(i);
      } else {
        replaced.add(i);
      }
    }
    VectorStore store = index.store();
    TextFingerprints texts = index.texts();
    if (!replaced.isEmpty()) {
      int[] rows = new int[replaced.size()];
      float[][] replacements = new float[rows.length][];
      long[] replacementTexts = new long[rows.length];
      for (int i = 0; i < rows.length; i++) {
        int p = replaced.get(i);
        rows[i] = existingRows[p];
        replacements[i] = Arrays.copyOfRange(normalized, p * dim, (p + 1) * dim);
        replacementTexts[i] = textFingerprints[p];
      }
      store = store.replaced(rows, replacements);
      texts = texts.replaced(rows, replacementTexts);
    }
    if (!appended.isEmpty()) {
      float[] flat = new float[appended.size() * dim];
      String[] appendedIds = new String[appended.size()];
      long[] appendedTexts = new long[appended.size()];
      for (int i = 0; i < appendedIds.length; i++) {
        int p = appended.get(i);
        System.arraycopy(normalized, p * dim, flat, i * dim, dim);
        appendedIds[i] = idArray[p];
        appendedTexts[i] = textFingerprints[p];
      }
      store = store.appended(flat, appendedIds.length);
      ids = ids.appended(appendedIds);
      texts = texts.appended(appendedTexts);
    }
    return index.derived(store, ids, texts);
  }
}
