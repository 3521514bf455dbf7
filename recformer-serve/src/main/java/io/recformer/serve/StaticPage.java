package io.recformer.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/** The web page's files, read once from the classpath ({@code io/recformer/serve/web/}). */
final class StaticPage {

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8");

  private final Map<String, Reply> files;

  private StaticPage(Map<String, Reply> files) {
    this.files = files;
  }

  static StaticPage load() {
    Map<String, Reply> files = new HashMap<>();
    for (String name : new String[] {"index.html", "app.js", "app.css"}) {
      try (InputStream in = StaticPage.class.getResourceAsStream("web/" + name)) {
        if (in == null) {
          throw new IllegalStateException("missing resource io/recformer/serve/web/" + name);
        }
        String extension = name.substring(name.lastIndexOf('.') + 1);
        files.put(name, new Reply(200, TYPES.get(extension), in.readAllBytes()));
      } catch (IOException e) {
        throw new UncheckedIOException("reading the page resource " + name, e);
      }
    }
    return new StaticPage(files);
  }

  Reply file(String name) {
    return files.get(name);
  }
}
