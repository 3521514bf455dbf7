package io.recformer.spark;

import io.recformer.core.item.Item;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import io.recformer.data.importer.ImportOptions;
import io.recformer.data.split.Example;
import io.recformer.data.split.LeaveOneOutSplit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the job's inputs into RDDs. A dataset directory is loaded once on the driver (it is the
 * format of the bundled data and of {@code recformer data import}); tables are read by Spark, so a
 * catalog or user base of any size stays distributed.
 */
final class Inputs {

  private final SparkSession spark;
  private final JavaSparkContext context;
  private final int partitions;
  private final Map<String, Dataset> datasets = new HashMap<>();

  Inputs(SparkSession spark, int partitions) {
    this.spark = spark;
    this.context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    this.partitions = partitions;
  }

  private Dataset dataset(String directory) {
    return datasets.computeIfAbsent(
        directory,
        dir -> {
          try {
            return Datasets.open(Path.of(dir), ImportOptions.defaults());
          } catch (IOException e) {
            throw new UncheckedIOException("cannot read dataset " + dir, e);
          }
        });
  }

  /** The catalog's items, each with its row (the catalog's order). */
  JavaRDD<ItemText> items(ItemSource source) {
    if (source.format() == InputFormat.DATASET) {
      List<Item> items = dataset(source.path()).items().items();
      List<ItemText> texts = new ArrayList<>(items.size());
      for (int row = 0; row < items.size(); row++) {
        texts.add(ItemText.of(row, items.get(row)));
      }
      return context.parallelize(texts, partitions);
    }
    org.apache.spark.sql.Dataset<Row> table = read(source.format(), source.path());
    StructType schema = table.schema();
    String where = "item table " + source.path();
    int idIndex = column(schema, source.idColumn(), where);
    List<String> attributes = new ArrayList<>(source.attributeColumns());
    if (attributes.isEmpty()) {
      for (StructField field : schema.fields()) {
        if (!field.name().equals(source.idColumn())
            && field.dataType().equals(DataTypes.StringType)) {
          attributes.add(field.name());
        }
      }
    }
    int[] attributeIndexes = new int[attributes.size()];
    for (int i = 0; i < attributeIndexes.length; i++) {
      attributeIndexes[i] = column(schema, attributes.get(i), where);
    }
    String[] keys = attributes.toArray(String[]::new);
    return table
        .javaRDD()
        .zipWithIndex()
        .map(
            pair -> {
              Row row = pair._1();
              long rowNumber = pair._2();
              if (row.isNullAt(idIndex)) {
                throw new IllegalArgumentException(
                    where + ", row " + (rowNumber + 1) + ": the id column is null");
              }
              List<String> presentKeys = new ArrayList<>(keys.length);
              List<String> values = new ArrayList<>(keys.length);
              for (int i = 0; i < keys.length; i++) {
                if (!row.isNullAt(attributeIndexes[i])) {
                  presentKeys.add(keys[i]);
                  values.add(String.valueOf(row.get(attributeIndexes[i])));
                }
              }
              String id = String.valueOf(row.get(idIndex));
              try {
                // The Item constructor validates the id and attributes.
                return ItemText.of(
                    rowNumber, new Item(id, ItemText.attributes(presentKeys, values)));
              } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                    where + ", row " + (rowNumber + 1) + " (item '" + id + "'): " + e.getMessage(),
                    e);
              }
            });
  }

  /** The users to score with their history item ids, oldest first. */
  JavaRDD<UserHistoryRow> users(UserSource source) {
    if (source.format() == InputFormat.DATASET) {
      Dataset dataset = dataset(source.path());
      List<UserHistoryRow> rows = new ArrayList<>();
      if (source.histories() == UserSource.Histories.TEST) {
        for (Example example : LeaveOneOutSplit.of(dataset).test()) {
          rows.add(row(example.history()));
        }
      } else {
        for (UserHistory user : dataset.users()) {
          rows.add(row(user));
        }
      }
      return context.parallelize(rows, partitions);
    }
    org.apache.spark.sql.Dataset<Row> table = read(source.format(), source.path());
    String where = "user table " + source.path();
    int userIndex = column(table.schema(), source.userColumn(), where);
    int historyIndex = column(table.schema(), source.historyColumn(), where);
    return table
        .javaRDD()
        .map(
            row -> {
              if (row.isNullAt(userIndex)) {
                throw new IllegalArgumentException(where + ": a row has a null user id");
              }
              String user = String.valueOf(row.get(userIndex));
              List<Object> history =
                  row.isNullAt(historyIndex) ? List.of() : row.getList(historyIndex);
              String[] ids = new String[history.size()];
              for (int i = 0; i < ids.length; i++) {
                Object id = history.get(i);
                if (id == null) {
                  throw new IllegalArgumentException(
                      where + ", user '" + user + "': history item " + (i + 1) + " is null");
                }
                ids[i] = id.toString();
              }
              if (ids.length == 0) {
                throw new IllegalArgumentException(
                    where + ", user '" + user + "': the history is empty");
              }
              return new UserHistoryRow(user, ids);
            });
  }

  private static UserHistoryRow row(UserHistory user) {
    return new UserHistoryRow(user.userId(), user.itemIds().toArray(String[]::new));
  }

  private org.apache.spark.sql.Dataset<Row> read(InputFormat format, String path) {
    return format == InputFormat.PARQUET ? spark.read().parquet(path) : spark.read().json(path);
  }

  private static int column(StructType schema, String name, String where) {
    for (int i = 0; i < schema.fields().length; i++) {
      if (schema.fields()[i].name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        where
            + " has no column '"
            + name
            + "' (columns: "
            + Arrays.toString(schema.fieldNames())
            + ")");
  }
}
