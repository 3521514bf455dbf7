package io.recformer.data.importer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the committed real-data fixtures under {@code src/test/resources/fixtures}: a slice of the
 * bundled UniSRec Scientific data (real ASINs, reviewer ids, titles, brands, categories)
 * re-serialized in the formats we have no real files of: Amazon 2018 raw reviews + metadata (gzip
 * and plain), the ratings-only CSV, the original Recformer processed form and standard RecBole
 * atomic files.
 *
 * <p>Timestamps are synthetic (the UniSRec files have none) but strictly increasing in each user's
 * sequence order; review lines are shuffled with a fixed seed so importers must sort by time. Text
 * is HTML-escaped in the raw metadata ({@code &} as <code>&amp;amp;</code>, quotes as <code>
 * &amp;quot;</code>), as in the real 2018 metadata, so importing must decode it back to the
 * original text.
 *
 * <p>Regenerate (from the repository root, after {@code mvn -pl recformer-data -am test-compile})
 * with the test classpath: {@code java -cp <test classpath>
 * io.recformer.data.importer.FixtureGenerator recformer-data/src/test/resources/fixtures .}
 * (arguments: output directory, repository root). The gzip files then differ byte-wise (gzip stores
 * a time) but not in content.
 */
public final class FixtureGenerator {

  static final int USERS = 60;
  static final long BASE_TIME = 1_400_000_000L;

  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws IOException {
    Path repo = Path.of(args.length > 1 ? args[1] : "..");
    Path out = Path.of(args.length > 0 ? args[0] : "src/test/resources/fixtures");
    Dataset full = Datasets.importAuto(repo.resolve("data/amazon-scientific-unisrec")).dataset();
    write(slice(full), out);
  }

  /** The first {@link #USERS} users and the items they mention (catalog order kept). */
  static Dataset slice(Dataset full) {
    List<UserHistory> users = full.users().subList(0, USERS);
    Set<String> used = new LinkedHashSet<>();
    users.forEach(u -> used.addAll(u.itemIds()));
    List<Item> items = full.items().items().stream().filter(i -> used.contains(i.id())).toList();
    return Dataset.of("Scientific-slice", ItemCatalog.of(items), users);
  }

  static long timestamp(int userIndex, int position) {
    return BASE_TIME + userIndex * 7_919L + position * 86_400L;
  }

  static void write(Dataset slice, Path out) throws IOException {
    List<String> reviewLines = new ArrayList<>();
    List<String> csvLines = new ArrayList<>();
    for (int u = 0; u < slice.userCount(); u++) {
      UserHistory user = slice.users().get(u);
      for (int p = 0; p < user.size(); p++) {
        ObjectNode review = JSON.createObjectNode();
        review.put("overall", 1.0 + (u + p) % 5);
        review.put("verified", true);
        review.put("reviewTime", "synthetic");
        review.put("reviewerID", user.userId());
        review.put("asin", user.itemIds().get(p));
        review.putObject("style").put("Size:", " 1 Pack");
        review.put("reviewerName", "Reviewer " + u);
        review.put(
            "reviewText",
            "Synthetic review text " + u + "-" + p + ", with \"quotes\" & an ampersand.");
        review.put("summary", "Five Stars");
        review.put("unixReviewTime", timestamp(u, p));
        reviewLines.add(JSON.writeValueAsString(review));
        csvLines.add(
            user.itemIds().get(p)
                + ","
                + user.userId()
                + ","
                + (1.0 + (u + p) % 5)
                + ","
                + timestamp(u, p));
      }
    }
    Collections.shuffle(reviewLines, new Random(20230806L));
    Collections.shuffle(csvLines, new Random(20230807L));
    List<String> metaLines = new ArrayList<>();
    for (Item item : slice.items().items()) {
      ObjectNode meta = JSON.createObjectNode();
      ArrayNode category = meta.putArray("category");
      item.attribute("category").ifPresent(c -> category.add(escape(c)));
      meta.put("tech1", "");
      meta.putArray("description")
          .add("Synthetic description of " + item.id() + ".")
          .add("Second paragraph.");
      meta.put("fit", "");
      meta.put("title", escape(item.title()));
      meta.putArray("also_buy").add("B000000000");
      meta.put("brand", escape(item.attribute("brand").orElse("")));
      meta.putArray("feature").add("feature");
      meta.put("main_cat", "Industrial &amp; Scientific");
      meta.put("price", "$9.99");
      meta.put("asin", item.id());
      metaLines.add(JSON.writeValueAsString(meta));
    }
    // One metadata line for an item no review mentions, as in the real files (they cover the whole
    // category).
    metaLines.add(
        "{\"title\": \"Unreviewed item\", \"brand\": \"Nobody\", \"category\": [], \"asin\":"
            + " \"B0UNUSED00\"}");

    Path raw = out.resolve("amazon-raw-gz");
    Files.createDirectories(raw);
    writeLines(raw.resolve("Industrial_and_Scientific_5.json.gz"), reviewLines, true);
    writeLines(raw.resolve("meta_Industrial_and_Scientific.json.gz"), metaLines, true);
    Path plain = out.resolve("amazon-raw-plain");
    Files.createDirectories(plain);
    writeLines(plain.resolve("Industrial_and_Scientific_5.json"), reviewLines, false);
    writeLines(plain.resolve("meta_Industrial_and_Scientific.json"), metaLines, false);
    Path ratings = out.resolve("amazon-ratings");
    Files.createDirectories(ratings);
    writeLines(ratings.resolve("Industrial_and_Scientific.csv"), csvLines, false);
    writeLines(ratings.resolve("meta_Industrial_and_Scientific.json.gz"), metaLines, true);

    writeOriginal(slice, out.resolve("recformer-original"));
    writeRecBole(slice, out.resolve("recbole"));
  }

  private static void writeOriginal(Dataset slice, Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> meta = new LinkedHashMap<>();
    Map<String, Integer> smap = new LinkedHashMap<>();
    Map<String, Integer> umap = new LinkedHashMap<>();
    Map<String, List<Integer>> train = new LinkedHashMap<>();
    Map<String, List<Integer>> val = new LinkedHashMap<>();
    Map<String, List<Integer>> test = new LinkedHashMap<>();
    for (Item item : slice.items().items()) {
      Map<String, String> attributes = new LinkedHashMap<>();
      attributes.put("title", item.title());
      attributes.put("brand", item.attribute("brand").orElse(""));
      attributes.put("category", item.attribute("category").orElse(""));
      meta.put(item.id(), attributes);
    }
    // The original numbers items in order of first appearance over the sampled users.
    for (UserHistory user : slice.users()) {
      int u = umap.size();
      umap.put(user.userId(), u);
      List<Integer> ids = new ArrayList<>();
      for (String asin : user.itemIds()) {
        ids.add(smap.computeIfAbsent(asin, k -> smap.size()));
      }
      int n = ids.size();
      train.put(Integer.toString(u), ids.subList(0, n - 2));
      val.put(Integer.toString(u), List.of(ids.get(n - 2)));
      test.put(Integer.toString(u), List.of(ids.get(n - 1)));
    }
    JSON.writeValue(dir.resolve("meta_data.json").toFile(), meta);
    JSON.writeValue(dir.resolve("smap.json").toFile(), smap);
    JSON.writeValue(dir.resolve("umap.json").toFile(), umap);
    JSON.writeValue(dir.resolve("train.json").toFile(), train);
    JSON.writeValue(dir.resolve("val.json").toFile(), val);
    JSON.writeValue(dir.resolve("test.json").toFile(), test);
  }

  private static void writeRecBole(Dataset slice, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> inter = new ArrayList<>();
    inter.add("user_id:token\titem_id:token\trating:float\ttimestamp:float");
    for (int u = 0; u < slice.userCount(); u++) {
      UserHistory user = slice.users().get(u);
      for (int p = 0; p < user.size(); p++) {
        inter.add(
            user.userId() + "\t" + user.itemIds().get(p) + "\t5.0\t" + timestamp(u, p) + ".0");
      }
    }
    List<String> body = new ArrayList<>(inter.subList(1, inter.size()));
    Collections.shuffle(body, new Random(20230808L));
    inter.subList(1, inter.size()).clear();
    inter.addAll(body);
    List<String> items = new ArrayList<>();
    items.add(
        "item_id:token\ttitle:token_seq\tbrand:token\tcategories:token_seq\tsales_rank:float");
    for (Item item : slice.items().items()) {
      items.add(
          item.id()
              + "\t"
              + item.title()
              + "\t"
              + item.attribute("brand").orElse("")
              + "\t"
              + item.attribute("category").orElse("")
              + "\t1000");
    }
    writeLines(dir.resolve("Scientific-slice.inter"), inter, false);
    writeLines(dir.resolve("Scientific-slice.item"), items, false);
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("\"", "&quot;").replace("'", "&#39;");
  }

  static void writeLines(Path file, List<String> lines, boolean gzip) throws IOException {
    try (OutputStream raw = Files.newOutputStream(file);
        OutputStream out = gzip ? new GZIPOutputStream(raw) : raw;
        Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
      for (String line : lines) {
        writer.write(line);
        writer.write('\n');
      }
    }
  }
}
