package io.recformer.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.train.model.EncoderOutput;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.run.Progress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes items and histories with a model for scoring, without gradient: sequences are sorted by
 * length and encoded in batches so each batch pads to a similar length (reference section 5:
 * "encode every item"), each batch in its own child manager. Outputs are L2-normalized, so a dot
 * product is the cosine of reference section 3.
 */
public final class Encoder {

  private static final Logger LOG = LoggerFactory.getLogger(Encoder.class);

  private final RecformerModel model;
  private final ItemTokenCache cache;
  private final BatchCollator collator;
  private final int batchSize;

  /**
   * @param batchSize sequences per forward pass; larger is faster until memory runs out (typical 64
   *     on CPU)
   */
  public Encoder(RecformerModel model, ItemTokenCache cache, int padId, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize = " + batchSize + " must be >= 1");
    }
    this.model = model;
    this.cache = cache;
    // Batches are padded only to their longest row: the model pads to its chunk size itself,
    // and rounding up to the whole window here made short items (Amazon titles) 30% slower.
    this.collator = BatchCollator.unrounded(model.config(), padId);
    this.batchSize = batchSize;
  }

  public RecformerModel model() {
    return model;
  }

  public ItemTokenCache cache() {
    return cache;
  }

  public BatchCollator collator() {
    return collator;
  }

  /** The L2-normalized item matrix {@code [items, d]} in catalog order. */
  public NDArray itemMatrix(NDManager out) {
    int n = cache.catalog().size();
    return encodeAll(n, cache::encodeItem, out, "item matrix", "items");
  }

  /** L2-normalized encodings {@code [users, d]} of histories, in input order. */
  public NDArray histories(List<UserHistory> histories, NDManager out) {
    return encodeAll(
        histories.size(), i -> cache.encodeHistory(histories.get(i)), out, "histories", "users");
  }

  private NDArray encodeAll(
      int n, IntFunction<EncodedSequence> encode, NDManager out, String task, String unit) {
    List<EncodedSequence> sequences = new ArrayList<>(n);
    List<Integer> order = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      sequences.add(encode.apply(i));
      order.add(i);
    }
    order.sort(Comparator.comparingInt(i -> sequences.get(i).length()));
    int d = model.config().hiddenSize();
    float[] values = new float[Math.multiplyExact(n, d)];
    Progress progress = new Progress(LOG, "encoding " + task, n, unit, 30);
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      List<EncodedSequence> batch = new ArrayList<>(to - from);
      for (int k = from; k < to; k++) {
        batch.add(sequences.get(order.get(k)));
      }
      try (NDManager scope = out.newSubManager()) {
        EncoderOutput o = model.encode(scope, collator.collate(batch), false);
        float[] rows = o.pooled().normalize(2, 1, 1e-8).toFloatArray();
        for (int k = from; k < to; k++) {
          System.arraycopy(rows, (k - from) * d, values, order.get(k) * d, d);
        }
      }
      progress.advance(to - from, null);
    }
    return out.create(values, new Shape(n, d));
  }
}
