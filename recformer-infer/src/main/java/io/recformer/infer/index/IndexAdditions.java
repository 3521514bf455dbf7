package io.recformer.infer.index;

import io.recformer.infer.index.ItemIndex.OnExisting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

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
    Objects.requireNonNull(vectors, "vectors");
    Objects.requireNonNull(textFingerprints, "textFingerprints");
    Objects.requireNonNull(onExisting, "onExisting");
    String[] idArray = Vectors.idArray(newIds, vectors.length);
    if (textFingerprints.length != idArray.length) {
      throw new IllegalArgumentException(
          "got " + idArray.length + " ids but " + textFingerprints.length + " text fingerprints");
    }
    if (idArray.length == 0) {
      return index;
    }
    int dim = index.dimension();
    float[] normalized = Vectors.normalizedRows(idArray, vectors, dim, index.size());
    IdTable.of(idArray.clone()); // rejects duplicates within the call, naming them
    IdTable ids = index.ids();
    List<Integer> appended = new ArrayList<>();
    List<Integer> replaced = new ArrayList<>();
    int[] existingRows = new int[idArray.length];
    for (int i = 0; i < idArray.length; i++) {
      int existing = ids.rowOf(idArray[i]);
      existingRows[i] = existing;
      if (existing < 0) {
        appended.add(i);
      } else if (onExisting == OnExisting.FAIL) {
        throw new IllegalArgumentException(
            "item '"
                + idArray[i]
                + "' is already in the index at row "
                + existing
                + "; pass OnExisting.REPLACE to replace its vector");
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
