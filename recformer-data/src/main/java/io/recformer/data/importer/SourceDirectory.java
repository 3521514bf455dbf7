package io.recformer.data.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The regular files of a directory an importer is asked about, listed once, and the finding of a
 * format's files by name prefix and suffix. Every importer detects and refuses through it, so "no
 * such files", "several candidates" and "found X but not Y" read the same for every format. A path
 * that is not a directory lists no files: detection then answers "not this format" instead of
 * failing.
 */
final class SourceDirectory {

  private final Path directory;
  private final List<Path> files;

  private SourceDirectory(Path directory, List<Path> files) {
    this.directory = directory;
    this.files = files;
  }

  /** Lists the regular files of {@code directory}, sorted; none when it is not a directory. */
  static SourceDirectory list(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return new SourceDirectory(directory, List.of());
    }
    try (Stream<Path> entries = Files.list(directory)) {
      return new SourceDirectory(directory, entries.filter(Files::isRegularFile).sorted().toList());
    }
  }

  Path path() {
    return directory;
  }

  Path resolve(String name) {
    return directory.resolve(name);
  }

  boolean hasFile(String name) {
    return files.stream().anyMatch(f -> f.getFileName().toString().equals(name));
  }

  /** The files whose lower-cased name passes {@code test}, sorted. */
  List<Path> matching(Predicate<String> test) {
    return files.stream()
        .filter(f -> test.test(f.getFileName().toString().toLowerCase(Locale.ROOT)))
        .toList();
  }

  /**
   * The only file whose lower-cased name passes {@code test}, or null when there is none.
   *
   * @param several what the candidates are, for the message ("candidate files ")
   * @param advice appended to the message: how to choose
   * @throws IllegalArgumentException naming every candidate when there are several: guessing would
   *     import the wrong file without a word
   */
  Path single(Predicate<String> test, String several, String advice) {
    List<Path> found = matching(test);
    if (found.size() > 1) {
      throw new IllegalArgumentException(
          "directory " + directory + " holds several " + several + found + advice);
    }
    return found.isEmpty() ? null : found.get(0);
  }

  /** The names of the files ending with {@code suffix} (case matters), sorted. */
  List<String> endingWith(String suffix) {
    return files.stream()
        .map(f -> f.getFileName().toString())
        .filter(n -> n.endsWith(suffix))
        .toList();
  }

  /** The prefixes P of the files named exactly {@code P + suffix}, sorted. */
  List<String> prefixes(String suffix) {
    return endingWith(suffix).stream()
        .map(n -> n.substring(0, n.length() - suffix.length()))
        .sorted()
        .toList();
  }

  /** The names {@code prefix + suffix} among {@code suffixes} that are not files here. */
  List<String> missing(String prefix, List<String> suffixes) {
    List<String> missing = new ArrayList<>();
    for (String suffix : suffixes) {
      if (!Files.isRegularFile(directory.resolve(prefix + suffix))) {
        missing.add(prefix + suffix);
      }
    }
    return missing;
  }

  /**
   * The prefixes P, sorted, of a file set: a file {@code P + anchor} (with {@code keep} true for P)
   * and a file {@code P + c} for every companion suffix c.
   */
  List<String> completePrefixes(String anchor, List<String> companions, Predicate<String> keep) {
    return prefixes(anchor).stream()
        .filter(keep)
        .filter(p -> missing(p, companions).isEmpty())
        .toList();
  }

  /**
   * {@link #holdsNo(String, String, List, List)} for a file set of {@link #completePrefixes}: names
   * the first anchor file found and the companions it lacks.
   */
  IllegalArgumentException holdsNo(
      String what,
      String expected,
      String anchor,
      List<String> companions,
      Predicate<String> keep) {
    List<String> anchors = prefixes(anchor).stream().filter(keep).toList();
    if (anchors.isEmpty()) {
      return holdsNo(what, expected, List.of(), List.of());
    }
    String first = anchors.get(0);
    return holdsNo(what, expected, List.of(first + anchor), missing(first, companions));
  }

  /**
   * The one candidate, or null when there is none.
   *
   * @throws IllegalArgumentException naming them when there are several ("several {@code what}")
   */
  String atMostOne(List<String> candidates, String what) {
    if (candidates.size() > 1) {
      throw new IllegalArgumentException(
          "directory " + directory + " holds several " + what + ": " + candidates);
    }
    return candidates.isEmpty() ? null : candidates.get(0);
  }

  /**
   * The refusal of a directory without the format's files: "directory D holds no {@code what}:
   * {@code expected}", then "; found A but not B" when {@code found} is not empty, so that a
   * directory missing one file says which.
   */
  IllegalArgumentException holdsNo(
      String what, String expected, List<String> found, List<String> notFound) {
    String detail =
        found.isEmpty()
            ? ""
            : "; found " + String.join(", ", found) + " but not " + String.join(", ", notFound);
    return new IllegalArgumentException(
        "directory " + directory + " holds no " + what + ": " + expected + detail);
  }

  /** The file names of paths, for messages. */
  static List<String> names(List<Path> paths) {
    return paths.stream().map(p -> p.getFileName().toString()).toList();
  }
}
