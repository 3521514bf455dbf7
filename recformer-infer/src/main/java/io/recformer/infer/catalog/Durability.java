package io.recformer.infer.catalog;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** Forcing directory entries to disk, so that a created or renamed file survives a crash. */
final class Durability {

  private static final boolean WINDOWS =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

  private Durability() {}

  /**
   * Forces the directory's entries (names of files created, renamed or deleted in it) to disk. On
   * Windows a directory cannot be opened for this, and NTFS journals renames itself: a no-op there.
   */
  static void forceDirectory(Path dir) throws IOException {
    if (WINDOWS) {
      return;
    }
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
