package io.recformer.infer.index;

import io.recformer.infer.index.ItemIndex.OnExisting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link HnswItemIndex#add}: validates the new rows (nothing changes when one is refused), inserts
 * one graph node per new vector into the shared graph, then derives the next index. A replaced
 * item's old node is retired in the new index's node-to-row table only, so the previous index still
 * returns the old vector.
 */
final class HnswAdditions {

  private HnswAdditions() {}

  static HnswItemIndex apply(
      HnswItemIndex index,
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
    String[] idArray = batch.ids();
    float[] normalized = batch.normalized();
    int[] existingRows = batch.existingRows();
    IdTable ids = index.ids();
    List<String> appendedIds = new ArrayList<>();
    List<Long> appendedTexts = new ArrayList<>();
    // Every vector of the call becomes a new node, in call order.
    int firstNode = index.state().add(normalized, idArray.length);
    IntChunks nodeToRow = index.nodeToRow();
    IntChunks rowToNode = index.rowToNode();
    TextFingerprints texts = index.texts();
    int gap = firstNode - nodeToRow.size(); // nodes another index derived from ours added
    int[] newNodeRows = new int[gap + idArray.length];
    Arrays.fill(newNodeRows, 0, gap, -1);
    List<Integer> retiredNodes = new ArrayList<>();
    List<Integer> replacedRows = new ArrayList<>();
    List<Integer> replacedNodes = new ArrayList<>();
    List<Long> replacedTexts = new ArrayList<>();
    List<Integer> appendedNodes = new ArrayList<>();
    int nextRow = index.size();
    for (int i = 0; i < idArray.length; i++) {
      int node = firstNode + i;
      int row = existingRows[i];
      if (row >= 0) {
        retiredNodes.add(rowToNode.get(row));
        replacedRows.add(row);
        replacedNodes.add(node);
        replacedTexts.add(textFingerprints[i]);
      } else {
        row = nextRow++;
        appendedIds.add(idArray[i]);
        appendedTexts.add(textFingerprints[i]);
        appendedNodes.add(node);
      }
      newNodeRows[gap + i] = row;
    }
    nodeToRow = nodeToRow.appended(newNodeRows);
    if (!retiredNodes.isEmpty()) {
      int[] retired = toInts(retiredNodes);
      int[] minusOne = new int[retired.length];
      Arrays.fill(minusOne, -1);
      nodeToRow = nodeToRow.replaced(retired, minusOne);
      rowToNode = rowToNode.replaced(toInts(replacedRows), toInts(replacedNodes));
      long[] values = new long[replacedTexts.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = replacedTexts.get(i);
      }
      texts = texts.replaced(toInts(replacedRows), values);
    }
    if (!appendedIds.isEmpty()) {
      rowToNode = rowToNode.appended(toInts(appendedNodes));
      ids = ids.appended(appendedIds.toArray(new String[0]));
      long[] values = new long[appendedTexts.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = appendedTexts.get(i);
      }
      texts = texts.appended(values);
    }
    return index.derived(nodeToRow, rowToNode, ids, texts);
  }

  private static int[] toInts(List<Integer> values) {
    int[] out = new int[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
