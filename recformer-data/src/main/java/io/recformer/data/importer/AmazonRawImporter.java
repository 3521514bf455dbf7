package io.recformer.data.importer;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.source.LineSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Amazon Review Data (2018) raw files (reference section 7): a review file, either JSON lines
 * ({@code reviewerID}, {@code asin}, {@code unixReviewTime}, {@code overall}) or the ratings-only
 * CSV ({@code item,user,rating,timestamp}, header optional), plus the metadata file (JSON lines
 * with {@code asin}, {@code title}, {@code brand}, {@code category} list, {@code description}
 * list); each plain or gzip.
 *
 * <p>Streams with bounded memory: reviews are read first, keeping 16 bytes per interaction and one
 * string per distinct user and item; the metadata pass then keeps only items that some review
 * mentions, so a multi-GB metadata file costs only the referenced items. Attributes follow the
 * paper: title, brand, category (the list joined with spaces), then description (the list joined
 * with spaces) when kept; HTML entities decoded. Items without a title are dropped; interactions
 * with items absent from the metadata (or dropped) are dropped and counted. Sequences are sorted by
 * review time; equal times keep file order. Duplicate (user, item) reviews are all kept here (use
 * {@link io.recformer.data.filter.DatasetFilters#deduplicate} to change that); a metadata line
 * repeating an ASIN is ignored and counted ({@code dropped.duplicate-item}).
 */
public final class AmazonRawImporter implements Importer {

  static final String CSV_HEADER = "item,user,rating,timestamp";

  private static final String SEVERAL_ADVICE =
      "; pass the files explicitly with importFiles(reviews, metadata, options)";

  /** The columns of one review line (JSON or CSV) that are kept. */
  private static final class Review {
    String user;
    String asin;
    long time = Long.MIN_VALUE;
  }

  /** The fields of one metadata line that become attributes. */
  private static final class Metadata {
    String asin;
    String title;
    String brand;
    String category;
    String description;
  }

  @Override
  public String format() {
    return "amazon-2018-raw";
  }

  @Override
  public boolean accepts(Path directory) throws IOException {
    SourceDirectory files = SourceDirectory.list(directory);
    return findMetadata(files) != null && findReviews(files) != null;
  }

  @Override
  public ImportResult importFrom(Path directory, ImportOptions options) throws IOException {
    SourceDirectory files = SourceDirectory.list(directory);
    Path metadata = findMetadata(files);
    Path reviews = findReviews(files);
    if (metadata == null || reviews == null) {
      List<Path> found =
          metadata != null ? List.of(metadata) : reviews != null ? List.of(reviews) : List.of();
      throw files.holdsNo(
          "Amazon 2018 raw files",
          "expected one metadata file named meta*.json[.gz]"
              + " and one review file (*.json[.gz] or *.csv[.gz])",
          SourceDirectory.names(found),
          List.of(metadata == null ? "a metadata file" : "a review file"));
    }
    return importFiles(reviews, metadata, options);
  }

  /**
   * Imports a review file (JSON lines or ratings CSV, chosen by the name containing ".csv") and a
   * metadata file.
   */
  public ImportResult importFiles(Path reviews, Path metadata, ImportOptions options)
      throws IOException {
    ImportRun run = new ImportRun(format(), options);
    Map<String, Integer> provisional = new HashMap<>();
    List<String> asins = new ArrayList<>();
    InteractionTable table = new InteractionTable();
    readReviews(reviews, run, provisional, asins, table);
    Item[] items = new Item[asins.size()];
    boolean[] titleless = new boolean[asins.size()];
    readMetadata(metadata, run, provisional, items, titleless);

    String[] idByIndex = new String[asins.size()];
    List<Item> catalogItems = new ArrayList<>();
    for (int i = 0; i < items.length; i++) {
      if (items[i] != null) {
        idByIndex[i] = asins.get(i);
        catalogItems.add(items[i]);
      }
    }
    int[] counts = table.itemCounts(asins.size());
    for (int i = 0; i < items.length; i++) {
      if (items[i] == null) {
        run.add(
            titleless[i]
                ? "dropped.interaction-item-without-title"
                : "dropped.interaction-unknown-item",
            counts[i]);
        if (!titleless[i]) {
          run.count("dropped.unknown-item");
        }
      }
    }
    List<UserHistory> users = table.histories(idByIndex, true);
    run.add("dropped.user-without-known-items", table.userCount() - users.size());
    return run.result(
        () -> baseName(reviews),
        ItemCatalog.of(catalogItems),
        users,
        run.provenance().file("reviews", reviews).file("metadata", metadata));
  }

  private static void readReviews(
      Path file,
      ImportRun run,
      Map<String, Integer> provisional,
      List<String> asins,
      InteractionTable table)
      throws IOException {
    boolean csv = isCsv(file);
    try (LineSource lines = run.open(file)) {
      Map<String, String> userIntern = new HashMap<>();
      run.readLines(
          lines,
          line -> {
            Review review = csv ? csvReview(line) : jsonReview(line);
            if (review != null) {
              String user = userIntern.computeIfAbsent(review.user, k -> k);
              table.add(user, itemIndex(provisional, asins, review.asin), review.time);
            }
          });
      if (lines.lineNumber() == 0) {
        throw FieldValues.emptyFile(
            file, csv ? "the ratings file is empty" : "the review file is empty");
      }
    }
  }

  private static Review jsonReview(LineSource line) throws IOException {
    Review review = new Review();
    JsonObjectLine.read(
        line,
        (field, value) -> {
          switch (field) {
            case "reviewerID" -> review.user = value.string();
            case "asin" -> review.asin = value.string();
            case "unixReviewTime" -> review.time = value.epochSeconds();
            case "overall" -> value.requireNumber();
            default -> {}
          }
        });
    FieldValues.requirePresent(line, "reviewerID", review.user);
    FieldValues.requirePresent(line, "asin", review.asin);
    if (review.time == Long.MIN_VALUE) {
      throw line.error("unixReviewTime", "missing-field", "required field is missing");
    }
    return review;
  }

  /** The review of a CSV line, or null for the header line. */
  private static Review csvReview(LineSource line) throws IOException {
    String text = line.text();
    String[] fields = text.split(",", -1);
    if (line.lineNumber() == 1 && !looksLikeData(fields)) {
      if (!text.strip().toLowerCase(Locale.ROOT).equals(CSV_HEADER)) {
        throw line.error(
            null,
            ImportRun.WRONG_HEADER,
            "header is '"
                + FieldValues.abbreviate(text)
                + "', expected '"
                + CSV_HEADER
                + "' or no header");
      }
      return null;
    }
    if (fields.length != 4) {
      throw line.error(
          null,
          "malformed-csv",
          "expected 4 comma-separated fields ("
              + CSV_HEADER
              + "), got "
              + fields.length
              + ": "
              + FieldValues.abbreviate(text));
    }
    Review review = new Review();
    review.asin = fields[0].strip();
    review.user = fields[1].strip();
    FieldValues.requirePresent(line, "item", review.asin);
    FieldValues.requirePresent(line, "user", review.user);
    try {
      Double.parseDouble(fields[2].strip());
    } catch (NumberFormatException e) {
      throw line.error(
          "rating",
          "bad-value",
          "expected a number, got '" + FieldValues.abbreviate(fields[2]) + "'");
    }
    try {
      review.time = Long.parseLong(fields[3].strip());
    } catch (NumberFormatException e) {
      throw line.error(
          "timestamp",
          "bad-value",
          "expected an integer (seconds since the epoch), got '"
              + FieldValues.abbreviate(fields[3])
              + "'");
    }
    return review;
  }

  private static boolean looksLikeData(String[] fields) {
    if (fields.length != 4) {
      return false;
    }
    try {
      Long.parseLong(fields[3].strip());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void readMetadata(
      Path file, ImportRun run, Map<String, Integer> provisional, Item[] items, boolean[] titleless)
      throws IOException {
    ItemBuilder builder = new ItemBuilder(run.options(), true, run);
    try (LineSource lines = run.open(file)) {
      run.readLines(
          lines,
          line -> {
            Metadata meta = new Metadata();
            JsonObjectLine.read(
                line,
                (field, value) -> {
                  switch (field) {
                    case "asin" -> meta.asin = value.string();
                    case "title" -> meta.title = value.optionalString();
                    case "brand" -> meta.brand = value.optionalString();
                    case "category" -> meta.category = value.joinedList();
                    case "description" -> meta.description = value.joinedList();
                    default -> {}
                  }
                });
            FieldValues.requirePresent(line, "asin", meta.asin);
            Integer index = provisional.get(meta.asin);
            if (index == null) {
              run.count("dropped.item-without-interactions");
            } else if (items[index] != null || titleless[index]) {
              run.count("dropped.duplicate-item");
            } else {
              Item item =
                  builder.build(meta.asin, meta.title, meta.brand, meta.category, meta.description);
              if (item == null) {
                titleless[index] = true;
              } else {
                items[index] = item;
              }
            }
          });
      if (lines.lineNumber() == 0) {
        throw FieldValues.emptyFile(file, "the metadata file is empty");
      }
    }
  }

  private static int itemIndex(Map<String, Integer> provisional, List<String> asins, String asin) {
    Integer index = provisional.get(asin);
    if (index == null) {
      index = asins.size();
      provisional.put(asin, index);
      asins.add(asin);
    }
    return index;
  }

  static boolean isCsv(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".csv") || name.endsWith(".csv.gz");
  }

  private static String baseName(Path file) {
    String name = file.getFileName().toString();
    int dot = name.indexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  static Path findMetadata(SourceDirectory files) {
    return files.single(
        name -> name.startsWith("meta") && isJsonName(name), "candidate files ", SEVERAL_ADVICE);
  }

  static Path findReviews(SourceDirectory files) {
    return files.single(
        name ->
            !name.startsWith("meta")
                && (isJsonName(name) || name.endsWith(".csv") || name.endsWith(".csv.gz")),
        "candidate files ",
        SEVERAL_ADVICE);
  }

  private static boolean isJsonName(String name) {
    return name.endsWith(".json")
        || name.endsWith(".json.gz")
        || name.endsWith(".jsonl")
        || name.endsWith(".jsonl.gz");
  }
}
