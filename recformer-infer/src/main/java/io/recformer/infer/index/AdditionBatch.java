package io.recformer.infer.index;

import io.recformer.infer.index.ItemIndex.OnExisting;
import java.util.List;
import java.util.Objects;

/**
 * The checked input of one {@link ItemIndex#add} call, shared by every index kind: ids unique
 * within the call, one text fingerprint per id, vectors of the index's dimension L2-normalized into
 * one flat array, and each id's existing row (-1 when new), refused by {@link OnExisting#FAIL}.
 * Nothing is changed until every row passed these checks.
 *
 * @param ids the new ids, in call order
 * @param normalized the normalized vectors, row-major {@code [ids.length, dimension]}
 * @param existingRows per id, its row in the index, or -1
 */
// Arrays for speed: checked once, read by the one add call, never compared.
@SuppressWarnings("ArrayRecordComponent")
record AdditionBatch(String[] ids, float[] normalized, int[] existingRows) {

  /** Checks one call's input against an index holding {@code ids} of {@code dimension}. */
  static AdditionBatch check(
      IdTable ids,
      int dimension,
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
    float[] normalized = Vectors.normalizedRows(idArray, vectors, dimension, ids.size());
    IdTable.of(idArray.clone()); // rejects duplicates within the call, naming them
    int[] existingRows = new int[idArray.length];
    for (int i = 0; i < idArray.length; i++) {
      int existing = ids.rowOf(idArray[i]);
      existingRows[i] = existing;
      if (existing >= 0 && onExisting == OnExisting.FAIL) {
        throw new IllegalArgumentException(
            "item '"
                + idArray[i]
                + "' is already in the index at row "
                + existing
                + "; pass OnExisting.REPLACE to replace its vector");
      }
    }
    return new AdditionBatch(idArray, normalized, existingRows);
  }

  boolean isEmpty() {
    return ids.length == 0;
  }
}
