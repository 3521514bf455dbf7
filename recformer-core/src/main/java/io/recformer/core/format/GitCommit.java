package io.recformer.core.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Best-effort source commit for provenance: the {@code recformer.commit} system property, the
 * {@code RECFORMER_COMMIT} environment variable, or the HEAD of the git repository enclosing the
 * working directory, read from the files under {@code .git} (plain repositories, worktrees whose
 * {@code .git} is a file, loose and packed refs). No process is spawned; anything unreadable gives
 * "unknown".
 */
final class GitCommit {
  static final String UNKNOWN = "unknown";
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

  private GitCommit() {}

  static String detect() {
    String explicit = System.getProperty("recformer.commit");
    if (explicit == null || explicit.isBlank()) {
      explicit = System.getenv("RECFORMER_COMMIT");
    }
    if (explicit != null && !explicit.isBlank()) {
      return explicit.trim();
    }
    return fromWorkingTree(Path.of(System.getProperty("user.dir", "."))).orElse(UNKNOWN);
  }

  /** The HEAD commit of the repository containing {@code start}, searching parent directories. */
  static Optional<String> fromWorkingTree(Path start) {
    try {
      for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
        Path dotGit = dir.resolve(".git");
        if (Files.isDirectory(dotGit)) {
          return headOf(dotGit);
        }
        if (Files.isRegularFile(dotGit)) {
          // A worktree or submodule: ".git" holds "gitdir: <path>".
          String line = firstLine(dotGit);
          if (!line.startsWith("gitdir:")) {
            return Optional.empty();
          }
          return headOf(dir.resolve(line.substring("gitdir:".length()).trim()).normalize());
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort: provenance must never stop a save
    }
    return Optional.empty();
  }

  private static Optional<String> headOf(Path gitDir) throws IOException {
    String head = firstLine(gitDir.resolve("HEAD"));
    if (!head.startsWith("ref:")) {
      return valid(head);
    }
    String ref = head.substring("ref:".length()).trim();
    Path common = gitDir;
    Path commonFile = gitDir.resolve("commondir");
    if (Files.isRegularFile(commonFile)) {
      common = gitDir.resolve(firstLine(commonFile)).normalize();
    }
    for (Path base : List.of(gitDir, common)) {
      Path loose = base.resolve(ref);
      if (Files.isRegularFile(loose)) {
        return valid(firstLine(loose));
      }
    }
    Path packed = common.resolve("packed-refs");
    if (Files.isRegularFile(packed)) {
      for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
        int space = line.indexOf(' ');
        if (space > 0
            && !line.startsWith("#")
            && !line.startsWith("^")
            && line.substring(space + 1).trim().equals(ref)) {
          return valid(line.substring(0, space));
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> valid(String hash) {
    String h = hash.trim();
    return HASH.matcher(h).matches() ? Optional.of(h) : Optional.empty();
  }

  private static String firstLine(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return lines.isEmpty() ? "" : lines.get(0).trim();
  }
}
