package io.recformer.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitCommitTest {

  private static final String A = "0123456789abcdef0123456789abcdef01234567";
  private static final String B = "fedcba9876543210fedcba9876543210fedcba98";

  @Test
  void readsLooseRefFromAParentDirectory(@TempDir Path root) throws Exception {
    Path git = Files.createDirectories(root.resolve(".git/refs/heads"));
    Files.writeString(root.resolve(".git/HEAD"), "ref: refs/heads/main\n");
    Files.writeString(git.resolve("main"), A + "\n");
    Path sub = Files.createDirectories(root.resolve("module/src"));
    assertThat(GitCommit.fromWorkingTree(sub)).contains(A);
  }

  @Test
  void readsPackedRefsAndDetachedHead(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve(".git"));
    Files.writeString(root.resolve(".git/HEAD"), "ref: refs/heads/dev\n");
    Files.writeString(
        root.resolve(".git/packed-refs"),
        "# pack-refs with: peeled fully-peeled\n"
            + A
            + " refs/heads/main\n"
            + B
            + " refs/heads/dev\n^"
            + A
            + "\n");
    assertThat(GitCommit.fromWorkingTree(root)).contains(B);
    Files.writeString(root.resolve(".git/HEAD"), A + "\n");
    assertThat(GitCommit.fromWorkingTree(root)).contains(A);
  }

  @Test
  void followsWorktreeGitFileAndCommonDir(@TempDir Path root) throws Exception {
    // Layout of `git worktree add`: main/.git/worktrees/wt holds HEAD and commondir; refs live in
    // main/.git.
    Path common = Files.createDirectories(root.resolve("main/.git/refs/heads"));
    Files.writeString(common.resolve("feature"), B + "\n");
    Path wtGit = Files.createDirectories(root.resolve("main/.git/worktrees/wt"));
    Files.writeString(wtGit.resolve("HEAD"), "ref: refs/heads/feature\n");
    Files.writeString(wtGit.resolve("commondir"), "../..\n");
    Path worktree = Files.createDirectories(root.resolve("wt"));
    Files.writeString(worktree.resolve(".git"), "gitdir: " + wtGit + "\n");
    assertThat(GitCommit.fromWorkingTree(worktree)).contains(B);
  }

  @Test
  void givesNothingForGarbage(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve(".git"));
    Files.writeString(root.resolve(".git/HEAD"), "ref: refs/heads/missing\n");
    assertThat(GitCommit.fromWorkingTree(root)).isEmpty();
    Files.writeString(root.resolve(".git/HEAD"), "not a hash\n");
    assertThat(GitCommit.fromWorkingTree(root)).isEmpty();
  }

  @Test
  void systemPropertyWins() {
    String old = System.getProperty("recformer.commit");
    System.setProperty("recformer.commit", "abc1234-dirty");
    try {
      assertThat(GitCommit.detect()).isEqualTo("abc1234-dirty");
    } finally {
      if (old == null) {
        System.clearProperty("recformer.commit");
      } else {
        System.setProperty("recformer.commit", old);
      }
    }
  }

  @Test
  void findsThisRepositorysCommit() {
    String root = System.getProperty("recformer.repo.root");
    Assumptions.assumeTrue(
        root != null && Files.exists(Path.of(root, ".git")), "needs the project's git checkout");
    assertThat(GitCommit.fromWorkingTree(Path.of(root)))
        .hasValueSatisfying(h -> assertThat(h).matches("[0-9a-f]{40}"));
  }
}
