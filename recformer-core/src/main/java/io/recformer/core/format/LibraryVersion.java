package io.recformer.core.format;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The recformer version of the running code: from {@code recformer-version.properties}, which Maven
 * fills in at build time, else the jar manifest's Implementation-Version, else "unknown" (e.g.
 * classes compiled by an IDE without resource filtering).
 */
final class LibraryVersion {
  private static final String VERSION = load();

  private LibraryVersion() {}

  static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in =
        LibraryVersion.class.getResourceAsStream("recformer-version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version", "").trim();
        // An unfiltered copy still holds the placeholder.
        if (!v.isEmpty() && !v.contains("${")) {
          return v;
        }
      }
    } catch (IOException e) {
      // fall through to the manifest: a best-effort stamp must not stop a save
    }
    String fromManifest = LibraryVersion.class.getPackage().getImplementationVersion();
    return fromManifest != null && !fromManifest.isBlank() ? fromManifest : "unknown";
  }
}
