package io.recformer.spark;

import io.recformer.infer.index.ExactItemIndex;
import io.recformer.infer.index.ItemIndex;
import io.recformer.infer.index.QueryOptions;
import io.recformer.infer.index.ScoredItem;
import io.recformer.infer.recommend.HistoryRanking;
import io.recformer.infer.recommend.RecommendOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Scores encoded users against the item matrix, either with the whole matrix broadcast to every
 * executor or in (user chunk, item block) tasks whose per-block candidates are merged per user.
 * Both paths scan with recformer-infer's {@link ExactItemIndex} and cut the lists with {@link
 * HistoryRanking}, the code {@code Recommender} runs, so the lists are the ones it returns: same
 * kernel, same scores, same tie rule (equal scores go to the lower catalog row).
 */
final class Scoring {

  /** The index fingerprint of the job's matrices; nothing compares it. */
  private static final String FINGERPRINT = "recformer-spark";

  private Scoring() {}

  /** The whole catalog as the encoder returned it, rows in catalog order. */
  @SuppressWarnings("ArrayRecordComponent") // task data, never compared or hashed
  record ItemMatrix(String[] ids, float[][] vectors) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** Consecutive catalog rows from {@code startRow}. */
  @SuppressWarnings("ArrayRecordComponent") // task data, never compared or hashed
  record ItemBlock(int startRow, String[] ids, float[][] vectors) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** A user's best candidates from some blocks, best first, and what the final cut needs. */
  @SuppressWarnings("ArrayRecordComponent") // task data, never compared or hashed
  record UserCandidates(String[] historyIds, String[] ids, int[] rows, float[] scores)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    static UserCandidates of(String[] historyIds, List<ScoredItem> items) {
      String[] ids = new String[items.size()];
      int[] rows = new int[items.size()];
      float[] scores = new float[items.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = items.get(i).itemId();
        rows[i] = items.get(i).row();
        scores[i] = items.get(i).score();
      }
      return new UserCandidates(historyIds, ids, rows, scores);
    }

    List<ScoredItem> items() {
      List<ScoredItem> out = new ArrayList<>(ids.length);
      for (int i = 0; i < ids.length; i++) {
        out.add(new ScoredItem(ids[i], rows[i], scores[i]));
      }
      return out;
    }

    /** The best {@code wanted} of both candidate lists. */
    UserCandidates merge(UserCandidates other, int wanted) {
      List<ScoredItem> all = items();
      all.addAll(other.items());
      all.sort(HistoryRanking.BEST_FIRST);
      return of(historyIds, all.subList(0, Math.min(wanted, all.size())));
    }
  }

  /** The executor's index over the broadcast matrix, built once per JVM and broadcast. */
  private static final class BroadcastIndex {
    private static long id = -1;
    private static ExactItemIndex index;

    static synchronized ExactItemIndex of(Broadcast<ItemMatrix> matrix) {
      if (id != matrix.id()) {
        index = null; // let the previous job's index go before building this one
        ItemMatrix value = matrix.value();
        index = ExactItemIndex.build(Arrays.asList(value.ids()), value.vectors(), FINGERPRINT);
        id = matrix.id();
      }
      return index;
    }
  }

  /**
   * Each user's plain top candidates in {@code index} ({@link HistoryRanking#candidates} of them),
   * rows shifted by {@code rowOffset} to catalog rows.
   */
  static List<List<ScoredItem>> candidates(
      ItemIndex index, int rowOffset, List<EncodedUser> users, JobSettings settings) {
    RecommendOptions options = settings.recommendOptions();
    float[][] queries = new float[users.size()][];
    int most = 0;
    for (int u = 0; u < queries.length; u++) {
      queries[u] = users.get(u).vector();
      most =
          Math.max(
              most,
              HistoryRanking.candidates(settings.k(), users.get(u).historyIds().length, options));
    }
    // One scan thread per task: Spark's task slots are the parallelism.
    List<List<ScoredItem>> top = index.topK(queries, most, QueryOptions.DEFAULTS.withThreads(1));
    List<List<ScoredItem>> out = new ArrayList<>(queries.length);
    for (int u = 0; u < queries.length; u++) {
      int wanted =
          HistoryRanking.candidates(settings.k(), users.get(u).historyIds().length, options);
      List<ScoredItem> list = top.get(u);
      List<ScoredItem> shifted = new ArrayList<>(Math.min(wanted, list.size()));
      for (int i = 0; i < list.size() && i < wanted; i++) {
        ScoredItem s = list.get(i);
        shifted.add(new ScoredItem(s.itemId(), s.row() + rowOffset, s.score()));
      }
      out.add(shifted);
    }
    return out;
  }

  /** The output rows of one user: (user_id, rank from 1, item_id, score). */
  static List<Row> rows(
      String userId, List<ScoredItem> candidates, String[] historyIds, JobSettings settings) {
    List<ScoredItem> top =
        HistoryRanking.cut(
            candidates, Set.of(historyIds), settings.k(), settings.recommendOptions());
    List<Row> out = new ArrayList<>(top.size());
    for (ScoredItem s : top) {
      out.add(RowFactory.create(userId, out.size() + 1, s.itemId(), s.score()));
    }
    return out;
  }

  /** The item matrix in catalog order, on the driver. */
  static ItemMatrix collect(JavaRDD<ItemVector> items) {
    List<ItemVector> all = new ArrayList<>(items.collect());
    all.sort(Comparator.comparingLong(ItemVector::row));
    String[] ids = new String[all.size()];
    float[][] vectors = new float[all.size()][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = all.get(i).id();
      vectors[i] = all.get(i).vector();
    }
    return new ItemMatrix(ids, vectors);
  }

  /** Broadcast path: every user partition scans the whole matrix, held once per executor JVM. */
  static JavaRDD<Row> broadcast(
      JavaSparkContext context,
      ItemMatrix matrix,
      JavaRDD<EncodedUser> users,
      JobSettings settings) {
    Broadcast<ItemMatrix> shared = context.broadcast(matrix);
    return users.mapPartitions(
        partition ->
            Batches.map(
                partition,
                settings.usersPerChunk(),
                batch -> {
                  ExactItemIndex index = BroadcastIndex.of(shared);
                  List<List<ScoredItem>> candidates = candidates(index, 0, batch, settings);
                  List<Row> out = new ArrayList<>(batch.size() * settings.k());
                  for (int u = 0; u < batch.size(); u++) {
                    EncodedUser user = batch.get(u);
                    out.addAll(rows(user.userId(), candidates.get(u), user.historyIds(), settings));
                  }
                  return out;
                }));
  }

  /**
   * Block path: the matrix is cut into blocks of {@code blockRows} consecutive rows and users into
   * chunks; every (chunk, block) pair is a task that keeps each user's best candidates in its
   * block, and the candidates are merged per user (a shuffle of at most k + h per user and block).
   */
  static JavaRDD<Row> blocks(
      JavaRDD<ItemVector> items,
      JavaRDD<EncodedUser> users,
      JobSettings settings,
      int blockRows,
      List<JavaRDD<?>> cached) {
    JavaRDD<ItemBlock> blocks =
        items
            .mapToPair(item -> new Tuple2<>((int) (item.row() / blockRows), item))
            .groupByKey()
            .map(
                block -> {
                  List<ItemVector> rows = new ArrayList<>();
                  block._2().forEach(rows::add);
                  rows.sort(Comparator.comparingLong(ItemVector::row));
                  String[] ids = new String[rows.size()];
                  float[][] vectors = new float[rows.size()][];
                  for (int i = 0; i < ids.length; i++) {
                    ids[i] = rows.get(i).id();
                    vectors[i] = rows.get(i).vector();
                  }
                  return new ItemBlock((int) rows.get(0).row(), ids, vectors);
                })
            .persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<List<EncodedUser>> chunks =
        users
            .mapPartitions(partition -> Batches.map(partition, settings.usersPerChunk(), List::of))
            .persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(blocks);
    cached.add(chunks);
    JavaPairRDD<String, UserCandidates> perBlock =
        chunks
            .cartesian(blocks)
            .flatMapToPair(
                pair -> {
                  List<EncodedUser> chunk = pair._1();
                  ItemBlock block = pair._2();
                  ExactItemIndex index =
                      ExactItemIndex.build(
                          Arrays.asList(block.ids()), block.vectors(), FINGERPRINT);
                  List<List<ScoredItem>> candidates =
                      candidates(index, block.startRow(), chunk, settings);
                  List<Tuple2<String, UserCandidates>> out = new ArrayList<>(chunk.size());
                  for (int u = 0; u < chunk.size(); u++) {
                    EncodedUser user = chunk.get(u);
                    out.add(
                        new Tuple2<>(
                            user.userId(),
                            UserCandidates.of(user.historyIds(), candidates.get(u))));
                  }
                  return out.iterator();
                });
    return perBlock
        .reduceByKey(
            (a, b) ->
                a.merge(
                    b,
                    HistoryRanking.candidates(
                        settings.k(), a.historyIds().length, settings.recommendOptions())))
        .flatMap(
            user ->
                rows(user._1(), user._2().items(), user._2().historyIds(), settings).iterator());
  }
}
