package io.recformer.infer.recommend;

import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.QueryOptions;
import io.recformer.infer.index.ScoredItem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A second {@link ItemIndex} implementation (a plain list, double-precision scores), so that tests
 * show the recommender works with any index, as an approximate one will need.
 */
final class ListIndex implements ItemIndex {

  private final List<String> ids;
  private final List<float[]> vectors;
  private final Map<String, Integer> rows;
  private final String fingerprint;

  ListIndex(List<String> ids, List<float[]> vectors, String fingerprint) {
    this.ids = List.copyOf(ids);
    this.vectors = List.copyOf(vectors);
    this.rows = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      rows.put(ids.get(i), i);
    }
    this.fingerprint = fingerprint;
  }

  @Override
  public int size() {
    return ids.size();
  }

  @Override
  public int dimension() {
    return vectors.get(0).length;
  }

  @Override
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public String itemId(int row) {
    return ids.get(row);
  }

  @Override
  public OptionalInt rowOf(String itemId) {
    Integer row = rows.get(itemId);
    return row == null ? OptionalInt.empty() : OptionalInt.of(row);
  }

  @Override
  public long textFingerprint(int row) {
    return 0;
  }

  @Override
  public float[] vector(int row) {
    return vectors.get(row).clone();
  }

  @Override
  public List<ScoredItem> topK(float[] query, int k, QueryOptions options) {
    List<ScoredItem> all = new ArrayList<>();
    for (int row = 0; row < ids.size(); row++) {
      String id = ids.get(row);
      if (options.excludedIds().contains(id)
          || (options.idFilter() != null && !options.idFilter().test(id))) {
        continue;
      }
      all.add(
          new ScoredItem(id, row, (float) RecommenderServingTest.cosine(query, vectors.get(row))));
    }
    all.sort(
        Comparator.comparingDouble((ScoredItem s) -> -s.score()).thenComparingInt(ScoredItem::row));
    return List.copyOf(all.subList(0, Math.min(k, all.size())));
  }

  @Override
  public List<List<ScoredItem>> topK(float[][] queries, int k, QueryOptions options) {
    List<List<ScoredItem>> out = new ArrayList<>();
    for (float[] q : queries) {
      out.add(topK(q, k, options));
    }
    return out;
  }

  @Override
  public ItemIndex add(
      List<String> newIds, float[][] newVectors, long[] textFingerprints, OnExisting onExisting) {
    List<String> nextIds = new ArrayList<>(ids);
    List<float[]> nextVectors = new ArrayList<>(vectors);
    for (int i = 0; i < newIds.size(); i++) {
      if (rows.containsKey(newIds.get(i))) {
        throw new IllegalArgumentException("item '" + newIds.get(i) + "' is already present");
      }
      nextIds.add(newIds.get(i));
      nextVectors.add(newVectors[i].clone());
    }
    return new ListIndex(nextIds, nextVectors, fingerprint);
  }

  @Override
  public void save(Path file) {
    throw new UnsupportedOperationException("a test index is never saved");
  }
}
