package io.recformer.spark;

import io.recformer.core.item.Item;
import io.recformer.infer.encoder.RecformerEncoder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.Optional;
import scala.Tuple2;

/** The encoding stages: items and histories through each executor's one encoder. */
final class Encoding {

  /** Items per encoder call inside a task (the encoder batches them further). */
  static final int ITEMS_PER_CALL = 256;

  private Encoding() {}

  /** Every item's vector, computed inside the partitions that hold the items. */
  static JavaRDD<ItemVector> items(JavaRDD<ItemText> items, JobSettings settings) {
    return items.mapPartitions(
        partition ->
            Batches.map(
                partition,
                ITEMS_PER_CALL,
                batch -> {
                  RecformerEncoder encoder =
                      ExecutorEncoders.get(settings.bundle(), settings.encoderOptions());
                  List<Item> texts = new ArrayList<>(batch.size());
                  batch.forEach(text -> texts.add(text.toItem()));
                  float[][] vectors = encoder.embedItems(texts);
                  List<ItemVector> out = new ArrayList<>(batch.size());
                  for (int i = 0; i < vectors.length; i++) {
                    out.add(new ItemVector(batch.get(i).row(), batch.get(i).id(), vectors[i]));
                  }
                  return out;
                }));
  }

  /**
   * Each user's history as item text, oldest first: the history ids are joined with the catalog (a
   * shuffle of the history entries, not of the catalog). An id the catalog lacks, or a user id
   * given twice, fails the job naming it.
   */
  static JavaPairRDD<String, List<ItemText>> histories(
      JavaRDD<UserHistoryRow> users, JavaRDD<ItemText> items) {
    JavaPairRDD<String, Tuple2<String, Integer>> wanted =
        users.flatMapToPair(
            user -> {
              List<Tuple2<String, Tuple2<String, Integer>>> out =
                  new ArrayList<>(user.history().length);
              for (int i = 0; i < user.history().length; i++) {
                out.add(new Tuple2<>(user.history()[i], new Tuple2<>(user.userId(), i)));
              }
              return out.iterator();
            });
    JavaPairRDD<String, ItemText> byId = items.mapToPair(item -> new Tuple2<>(item.id(), item));
    return wanted
        .leftOuterJoin(byId)
        .mapToPair(
            joined -> {
              String itemId = joined._1();
              Tuple2<String, Integer> position = joined._2()._1();
              Optional<ItemText> item = joined._2()._2();
              if (!item.isPresent()) {
                throw new IllegalArgumentException(
                    "user '"
                        + position._1()
                        + "' has item '"
                        + itemId
                        + "' in their history, which the catalog does not have");
              }
              return new Tuple2<>(position._1(), new Tuple2<>(position._2(), item.get()));
            })
        .groupByKey()
        .mapToPair(
            grouped -> {
              List<Tuple2<Integer, ItemText>> entries = new ArrayList<>();
              grouped._2().forEach(entries::add);
              entries.sort(Comparator.comparingInt(Tuple2::_1));
              List<ItemText> history = new ArrayList<>(entries.size());
              for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i)._1() != i) {
                  throw new IllegalArgumentException(
                      "user id '" + grouped._1() + "' appears more than once in the user input");
                }
                history.add(entries.get(i)._2());
              }
              return new Tuple2<>(grouped._1(), history);
            });
  }

  /** Each user's history vector, encoded inside the partitions that hold the users. */
  static JavaRDD<EncodedUser> users(
      JavaPairRDD<String, List<ItemText>> histories, JobSettings settings) {
    return histories.mapPartitions(
        partition ->
            Batches.map(
                partition,
                settings.usersPerChunk(),
                batch -> {
                  RecformerEncoder encoder =
                      ExecutorEncoders.get(settings.bundle(), settings.encoderOptions());
                  List<List<Item>> items = new ArrayList<>(batch.size());
                  for (Tuple2<String, List<ItemText>> user : batch) {
                    List<Item> history = new ArrayList<>(user._2().size());
                    user._2().forEach(text -> history.add(text.toItem()));
                    items.add(history);
                  }
                  float[][] vectors = encoder.encodeHistories(items);
                  List<EncodedUser> out = new ArrayList<>(batch.size());
                  for (int u = 0; u < vectors.length; u++) {
                    Set<String> ids = new LinkedHashSet<>();
                    batch.get(u)._2().forEach(text -> ids.add(text.id()));
                    out.add(
                        new EncodedUser(batch.get(u)._1(), vectors[u], ids.toArray(String[]::new)));
                  }
                  return out;
                }));
  }
}
