package io.recformer.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes files so that readers see either the old content or the complete new content, never a
 * half-written file: the data goes to a temporary file in the same directory, is forced to disk,
 * then moved over the target in one step.
 */
public final class AtomicFiles {

  /** Writes the content of a file through an output stream. */
  @FunctionalInterface
  public interface Writer {
    void writeTo(OutputStream out) throws IOException;
  }

  private AtomicFiles() {}

  /**
   * Writes {@code target} atomically. If {@code writer} throws, the target is left untouched and
   * the temporary file is deleted.
   */
  public static void write(Path target, Writer writer) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
    try {
      try (FileChannel channel =
              FileChannel.open(
                  temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
          OutputStream out = Channels.newOutputStream(channel)) {
        writer.writeTo(out);
        out.flush();
        channel.force(true);
      }
      moveIntoPlace(temp, absolute);
    } catch (IOException | RuntimeException | Error e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  /** Writes a byte array atomically. */
  public static void write(Path target, byte[] content) throws IOException {
    write(target, out -> out.write(content));
  }

  /** Writes UTF-8 text atomically. */
  public static void writeString(Path target, String content) throws IOException {
    write(target, content.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Moves a finished temporary file or directory over the target in one step (falling back to a
   * plain replace on file systems without atomic moves).
   */
  public static void moveIntoPlace(Path source, Path target) throws IOException {
    try {
      Files.move(
          source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Deletes a file or a directory tree (children first); a missing path is not an error. Used to
   * clean up temporary directories and directories replaced by {@link #moveIntoPlace}.
   */
  public static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path path : paths) {
      Files.deleteIfExists(path);
    }
  }

  /** Unchecked wrapper for use inside lambdas. */
  public static void writeUnchecked(Path target, Writer writer) {
    try {
      write(target, writer);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + target, e);
    }
  }
}
