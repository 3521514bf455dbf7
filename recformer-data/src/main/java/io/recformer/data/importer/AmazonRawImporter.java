package io.recformer.data.importer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.source.DataFormatException;
import io.recformer.data.source.LineSource;
import io.recformer.data.source.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

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

  @Override
  public String format() {
    return "amazon-2018-raw";
  }

  @Override
  public boolean accepts(Path directory) throws IOException {
    return findMetadata(directory) != null && findReviews(directory) != null;
  }

  @Override
  public ImportResult importFrom(Path directory, ImportOptions options) throws IOException {
    Path metadata = findMetadata(directory);
    Path reviews = findReviews(directory);
    if (metadata == null || reviews == null) {
      throw new IllegalArgumentException(
          "directory "
              + directory
              + " holds no Amazon 2018 raw files: expected one metadata file named meta*.json[.gz]"
              + " and one review file (*.json[.gz] or *.csv[.gz])");
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
    if (isCsv(reviews)) {
      readRatingsCsv(reviews, run, provisional, asins, table);
    } else {
      readReviewsJson(reviews, run, provisional, asins, table);
    }
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
    ImportReport report = run.report();
    Map<String, String> provenance = new LinkedHashMap<>();
    provenance.put("import.format", format());
    provenance.put("import.reviews", reviews.getFileName().toString());
    provenance.put("import.metadata", metadata.getFileName().toString());
    provenance.put("import.counts", report.counts().toString());
    String name = options.name() != null ? options.name() : baseName(reviews);
    return new ImportResult(
        Dataset.of(name, ItemCatalog.of(catalogItems), users, provenance), report);
  }

  private static void readReviewsJson(
      Path file,
      ImportRun run,
      Map<String, Integer> provisional,
      List<String> asins,
      InteractionTable table)
      throws IOException {
    try (LineSource lines = run.open(file)) {
      Map<String, String> userIntern = new HashMap<>();
      while (run.next(lines)) {
        run.tick(lines);
        if (lines.isBlank()) {
          continue;
        }
        try {
          String text = lines.text();
          String user = null;
          String asin = null;
          long time = Long.MIN_VALUE;
          try (JsonParser parser = StrictJson.parser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
              throw lines.error(
                  null, "malformed-json", "expected a JSON object, got: " + abbreviate(text));
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
              String field = parser.currentName();
              JsonToken value = parser.nextToken();
              switch (field) {
                case "reviewerID" -> user = requireString(lines, parser, value, field);
                case "asin" -> asin = requireString(lines, parser, value, field);
                case "unixReviewTime" -> {
                  if (value != JsonToken.VALUE_NUMBER_INT) {
                    throw lines.error(
                        field,
                        "bad-value",
                        "expected an integer (seconds since the epoch), got "
                            + abbreviate(parser.getText()));
                  }
                  time = parser.getLongValue();
                }
                case "overall" -> {
                  if (!value.isNumeric()) {
                    throw lines.error(
                        field,
                        "bad-value",
                        "expected a number, got " + abbreviate(parser.getText()));
                  }
                }
                default -> parser.skipChildren();
              }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
              throw lines.error(
                  null, "malformed-json", "expected exactly one JSON object on the line");
            }
          } catch (JsonProcessingException e) {
            throw StrictJson.error(lines, e);
          }
          requirePresent(lines, "reviewerID", user);
          requirePresent(lines, "asin", asin);
          if (time == Long.MIN_VALUE) {
            throw lines.error("unixReviewTime", "missing-field", "required field is missing");
          }
          user = userIntern.computeIfAbsent(user, k -> k);
          table.add(user, itemIndex(provisional, asins, asin), time);
        } catch (DataFormatException e) {
          run.problem(e);
        }
      }
      if (lines.lineNumber() == 0) {
        throw new DataFormatException(file, 0, null, "empty-file", "the review file is empty");
      }
      run.finished(lines);
    }
  }

  private static void readRatingsCsv(
      Path file,
      ImportRun run,
      Map<String, Integer> provisional,
      List<String> asins,
      InteractionTable table)
      throws IOException {
    try (LineSource lines = run.open(file)) {
      Map<String, String> userIntern = new HashMap<>();
      while (run.next(lines)) {
        run.tick(lines);
        if (lines.isBlank()) {
          continue;
        }
        try {
          String text = lines.text();
          String[] fields = text.split(",", -1);
          if (lines.lineNumber() == 1 && !looksLikeData(fields)) {
            if (!text.strip().toLowerCase(Locale.ROOT).equals(CSV_HEADER)) {
              // A wrong header is a file-level mistake (wrong file or wrong column order): never
              // skipped.
              throw lines.error(
                  null,
                  "wrong-header",
                  "header is '"
                      + abbreviate(text)
                      + "', expected '"
                      + CSV_HEADER
                      + "' or no header");
            }
            continue;
          }
          if (fields.length != 4) {
            throw lines.error(
                null,
                "malformed-csv",
                "expected 4 comma-separated fields ("
                    + CSV_HEADER
                    + "), got "
                    + fields.length
                    + ": "
                    + abbreviate(text));
          }
          String asin = fields[0].strip();
          String user = fields[1].strip();
          requirePresent(lines, "item", asin.isEmpty() ? null : asin);
          requirePresent(lines, "user", user.isEmpty() ? null : user);
          try {
            Double.parseDouble(fields[2].strip());
          } catch (NumberFormatException e) {
            throw lines.error(
                "rating", "bad-value", "expected a number, got '" + abbreviate(fields[2]) + "'");
          }
          long time;
          try {
            time = Long.parseLong(fields[3].strip());
          } catch (NumberFormatException e) {
            throw lines.error(
                "timestamp",
                "bad-value",
                "expected an integer (seconds since the epoch), got '"
                    + abbreviate(fields[3])
                    + "'");
          }
          user = userIntern.computeIfAbsent(user, k -> k);
          table.add(user, itemIndex(provisional, asins, asin), time);
        } catch (DataFormatException e) {
          if (e.reason().equals("wrong-header")) {
            throw e;
          }
          run.problem(e);
        }
      }
      if (lines.lineNumber() == 0) {
        throw new DataFormatException(file, 0, null, "empty-file", "the ratings file is empty");
      }
      run.finished(lines);
    }
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
      while (run.next(lines)) {
        run.tick(lines);
        if (lines.isBlank()) {
          continue;
        }
        try {
          String text = lines.text();
          String asin = null;
          String title = null;
          String brand = null;
          String category = null;
          String description = null;
          try (JsonParser parser = StrictJson.parser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
              throw lines.error(
                  null, "malformed-json", "expected a JSON object, got: " + abbreviate(text));
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
              String field = parser.currentName();
              JsonToken value = parser.nextToken();
              switch (field) {
                case "asin" -> asin = requireString(lines, parser, value, field);
                case "title" -> title = optionalString(lines, parser, value, field);
                case "brand" -> brand = optionalString(lines, parser, value, field);
                case "category" -> category = joinedList(lines, parser, value, field);
                case "description" -> description = joinedList(lines, parser, value, field);
                default -> parser.skipChildren();
              }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
              throw lines.error(
                  null, "malformed-json", "expected exactly one JSON object on the line");
            }
          } catch (JsonProcessingException e) {
            throw StrictJson.error(lines, e);
          }
          requirePresent(lines, "asin", asin);
          Integer index = provisional.get(asin);
          if (index == null) {
            run.count("dropped.item-without-interactions");
            continue;
          }
          if (items[index] != null || titleless[index]) {
            run.count("dropped.duplicate-item");
            continue;
          }
          Item item = builder.build(asin, title, brand, category, description);
          if (item == null) {
            titleless[index] = true;
          } else {
            items[index] = item;
          }
        } catch (DataFormatException e) {
          run.problem(e);
        }
      }
      if (lines.lineNumber() == 0) {
        throw new DataFormatException(file, 0, null, "empty-file", "the metadata file is empty");
      }
      run.finished(lines);
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

  private static String requireString(
      LineSource lines, JsonParser parser, JsonToken value, String field) throws IOException {
    if (value != JsonToken.VALUE_STRING) {
      throw lines.error(field, "bad-value", "expected a string, got " + describe(parser, value));
    }
    return parser.getText();
  }

  private static String optionalString(
      LineSource lines, JsonParser parser, JsonToken value, String field) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    return requireString(lines, parser, value, field);
  }

  /**
   * A list of strings joined with single spaces (the paper joins the category path this way); a
   * plain string is taken as is.
   */
  private static String joinedList(
      LineSource lines, JsonParser parser, JsonToken value, String field) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value == JsonToken.VALUE_STRING) {
      return parser.getText();
    }
    if (value != JsonToken.START_ARRAY) {
      throw lines.error(
          field, "bad-value", "expected a list of strings, got " + describe(parser, value));
    }
    StringBuilder joined = new StringBuilder();
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      if (token != JsonToken.VALUE_STRING) {
        throw lines.error(
            field, "bad-value", "expected a list of strings, found " + describe(parser, token));
      }
      String part = parser.getText().strip();
      if (!part.isEmpty()) {
        if (joined.length() > 0) {
          joined.append(' ');
        }
        joined.append(part);
      }
    }
    return joined.toString();
  }

  private static String describe(JsonParser parser, JsonToken token) throws IOException {
    if (token == null) {
      return "end of input";
    }
    return switch (token) {
      case START_ARRAY -> "a list";
      case START_OBJECT -> "an object";
      case VALUE_NULL -> "null";
      default -> "'" + abbreviate(parser.getText()) + "'";
    };
  }

  private static void requirePresent(LineSource lines, String field, String value)
      throws DataFormatException {
    if (value == null || value.isBlank()) {
      throw lines.error(field, "missing-field", "required field is missing or blank");
    }
  }

  static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
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

  static Path findMetadata(Path directory) throws IOException {
    return single(directory, name -> name.startsWith("meta") && isJsonName(name));
  }

  static Path findReviews(Path directory) throws IOException {
    return single(
        directory,
        name ->
            !name.startsWith("meta")
                && (isJsonName(name) || name.endsWith(".csv") || name.endsWith(".csv.gz")));
  }

  private static boolean isJsonName(String name) {
    return name.endsWith(".json")
        || name.endsWith(".json.gz")
        || name.endsWith(".jsonl")
        || name.endsWith(".jsonl.gz");
  }

  private static Path single(Path directory, Predicate<String> accept) throws IOException {
    if (!Files.isDirectory(directory)) {
      return null;
    }
    List<Path> found;
    try (Stream<Path> files = Files.list(directory)) {
      found =
          files
              .filter(Files::isRegularFile)
              .filter(p -> accept.test(p.getFileName().toString().toLowerCase(Locale.ROOT)))
              .sorted()
              .toList();
    }
    if (found.size() > 1) {
      throw new IllegalArgumentException(
          "directory "
              + directory
              + " holds several candidate files "
              + found
              + "; pass the files explicitly with importFiles(reviews, metadata, options)");
    }
    return found.isEmpty() ? null : found.get(0);
  }
}
