package io.recformer.cli;

import static io.recformer.cli.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.cli.CliRunner.Run;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code index --verify}, {@code recommend --verify} and catalog directories ({@code index
 * --catalog}, {@code recommend --index DIR}) on a slice of the bundled data with the tiny bundle.
 */
class VerifyCommandsTest {

  @TempDir static Path shared;
  @TempDir Path temp;

  static Path data;
  static Dataset dataset;
  static Path index;

  @BeforeAll
  static void sliceAndIndex() throws Exception {
    data = shared.resolve("slice");
    dataset = CliRunner.writeScientificSlice(data, 20);
    index = shared.resolve("items.rfidx");
    Run run = CliRunner.indexWithTinyBundle(data, index);
    assertThat(run.exitCode()).as(run.err()).isZero();
  }

  private static String user() {
    UserHistory first = dataset.users().get(0);
    return first.userId();
  }

  private static Run recommend(Path indexPath, boolean verify) {
    return verify
        ? run(
            "recommend",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--index",
            indexPath.toString(),
            "--user",
            user(),
            "-k",
            "3",
            "--threads",
            "1",
            "--verify")
        : run(
            "recommend",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--index",
            indexPath.toString(),
            "--user",
            user(),
            "-k",
            "3",
            "--threads",
            "1");
  }

  /**
   * One flipped vector byte: a fast open answers (the damage is in bytes it does not read), but
   * {@code --verify} on either command exits 2 naming the file, the section and both checksums.
   */
  @Test
  void aFlippedVectorByteFailsVerificationWithANamedError() throws Exception {
    assertThat(recommend(index, true).exitCode()).isZero();
    Run verified = run("index", "--verify", "--out", index.toString());
    assertThat(verified.exitCode()).as(verified.err()).isZero();
    assertThat(verified.out()).contains("verified item index " + index);

    byte[] bytes = Files.readAllBytes(index);
    long vectorsOffset = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(24);
    bytes[(int) vectorsOffset + 5 * 16 * Float.BYTES + 2] ^= 0x08;
    Path damaged = temp.resolve("damaged.rfidx");
    Files.write(damaged, bytes);

    assertThat(recommend(damaged, false).exitCode()).isZero();
    String expected =
        "recformer: item index "
            + damaged
            + ": checksum mismatch in the vectors section: expected ";
    Run refused = recommend(damaged, true);
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err()).startsWith(expected).contains(", actual ").contains("corrupted");
    Run checked = run("index", "--verify", "--out", damaged.toString());
    assertThat(checked.exitCode()).isEqualTo(2);
    assertThat(checked.err()).startsWith(expected);
  }

  @Test
  void aCatalogDirectoryIsWrittenVerifiedAndServed() {
    Path dir = temp.resolve("catalog");
    Run written =
        run(
            "index",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--out",
            dir.toString(),
            "--catalog",
            "--threads",
            "1");
    assertThat(written.exitCode()).as(written.err()).isZero();
    assertThat(dir.resolve("catalog.json")).exists();
    Run verified =
        run(
            "index",
            "--verify",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--out",
            dir.toString());
    assertThat(verified.exitCode()).as(verified.err()).isZero();
    assertThat(verified.out()).contains("verified catalog " + dir + " (generation 1");
    Run fromDir = recommend(dir, true);
    Run fromFile = recommend(index, false);
    assertThat(fromDir.exitCode()).as(fromDir.err()).isZero();
    assertThat(fromDir.out()).isEqualTo(fromFile.out());
    Run missing = run("index", "--out", temp.resolve("x.rfidx").toString());
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("Missing required option: '--data=<data>'");
  }
}
