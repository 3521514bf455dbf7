package io.recformer.infer.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed tiny bundle (written by recformer-train's exporter, kept current by its
 * TinyBundleTest) and the DJL model's vectors for its items and histories: an oracle computed by
 * another engine.
 */
final class TinyBundle {

  private TinyBundle() {}

  static Path resource(String name) {
    try {
      var url = TinyBundle.class.getResource("/bundles/" + name);
      if (url == null) {
        throw new IllegalStateException("missing test resource /bundles/" + name);
      }
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path directory() {
    return resource("tiny");
  }

  static Path archive() {
    return resource("tiny-bundle.zip");
  }

  /** A writable copy of the bundle directory, for corruption tests. */
  static Path copy(Path target) throws IOException {
    Files.createDirectories(target);
    try (var files = Files.list(directory())) {
      for (Path f : files.toList()) {
        Files.copy(
            f, target.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return target;
  }

  record Expected(
      List<Item> items,
      Map<String, float[]> itemVectors,
      List<List<Item>> histories,
      List<float[]> historyVectors) {}

  static Expected expected() {
    try {
      JsonNode root = new ObjectMapper().readTree(resource("tiny-expected.json").toFile());
      List<Item> items = new ArrayList<>();
      Map<String, Item> byId = new LinkedHashMap<>();
      Map<String, float[]> itemVectors = new LinkedHashMap<>();
      for (JsonNode node : root.get("items")) {
        List<ItemAttribute> attributes = new ArrayList<>();
        for (JsonNode a : node.get("attributes")) {
          attributes.add(new ItemAttribute(a.get(0).asText(), a.get(1).asText()));
        }
        Item item = new Item(node.get("id").asText(), attributes);
        items.add(item);
        byId.put(item.id(), item);
        itemVectors.put(item.id(), vector(node.get("vector")));
      }
      List<List<Item>> histories = new ArrayList<>();
      List<float[]> historyVectors = new ArrayList<>();
      for (JsonNode node : root.get("histories")) {
        List<Item> history = new ArrayList<>();
        node.get("items").forEach(id -> history.add(byId.get(id.asText())));
        histories.add(history);
        historyVectors.add(vector(node.get("vector")));
      }
      return new Expected(items, itemVectors, histories, historyVectors);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static float[] vector(JsonNode array) {
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) array.get(i).asDouble();
    }
    return v;
  }

  static double maxDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
