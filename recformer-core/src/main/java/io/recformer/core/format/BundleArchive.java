package io.recformer.core.format;

import io.recformer.core.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The single-file form of a model bundle: a ZIP archive holding exactly the bundle's three files
 * ({@code manifest.json} first, then the model and the tokenizer) at its root. Entries are stored
 * uncompressed with a fixed timestamp, so the same bundle always gives the same bytes (float
 * weights hardly compress anyway). Reading extracts into a directory and then checks it as {@link
 * BundleManifest#read} does (format version, kind, fields, hashes).
 */
public final class BundleArchive {

  /** Conventional file-name suffix of bundle archives. */
  public static final String SUFFIX = ".zip";

  /** Fixed entry time (DOS time has no zone, so the bytes do not depend on the machine's zone). */
  private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

  private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

  private BundleArchive() {}

  /**
   * Packs a bundle directory into an archive, atomically. The directory is checked first, so a
   * broken bundle is never packed.
   *
   * @return the bundle's manifest
   */
  public static BundleManifest write(Path bundleDirectory, Path archive) throws IOException {
    BundleManifest manifest = BundleManifest.read(bundleDirectory);
    List<String> names =
        List.of(BundleManifest.FILE_NAME, manifest.modelFile(), manifest.tokenizerFile());
    AtomicFiles.write(archive, out -> pack(bundleDirectory, names, out));
    return manifest;
  }

  private static void pack(Path dir, List<String> names, OutputStream out) throws IOException {
    ZipOutputStream zip = new ZipOutputStream(out);
    for (String name : names) {
      byte[] content = Files.readAllBytes(dir.resolve(name));
      CRC32 crc = new CRC32();
      crc.update(content);
      ZipEntry entry = new ZipEntry(name);
      entry.setMethod(ZipEntry.STORED);
      entry.setSize(content.length);
      entry.setCompressedSize(content.length);
      entry.setCrc(crc.getValue());
      entry.setTimeLocal(ENTRY_TIME);
      zip.putNextEntry(entry);
      zip.write(content);
      zip.closeEntry();
    }
    zip.finish(); // the caller closes the stream
  }

  /** True if {@code path} is a regular file that starts like a ZIP archive. */
  public static boolean isArchive(Path path) throws IOException {
    if (!Files.isRegularFile(path)) {
      return false;
    }
    try (InputStream in = Files.newInputStream(path)) {
      byte[] head = in.readNBytes(ZIP_MAGIC.length);
      return Arrays.equals(head, ZIP_MAGIC);
    }
  }

  /**
   * Extracts an archive into {@code targetDirectory} (created if needed, must hold no bundle files
   * yet) and checks the result as a bundle directory.
   *
   * @return the checked manifest
   * @throws java.nio.file.NoSuchFileException if the archive does not exist
   * @throws ArtifactFormatException if the archive is not a ZIP, holds an entry that is not a plain
   *     file name, holds a name twice, or lacks the manifest; or if the extracted bundle fails
   *     {@link BundleManifest#read}
   */
  public static BundleManifest extract(Path archive, Path targetDirectory) throws IOException {
    if (!Files.isRegularFile(archive)) {
      throw new NoSuchFileException(archive.toString(), null, "missing bundle archive");
    }
    if (!isArchive(archive)) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s is not a bundle archive: expected a ZIP file (starting with PK\\003\\004) holding"
                  + " %s, a model and a tokenizer",
              archive,
              BundleManifest.FILE_NAME));
    }
    Files.createDirectories(targetDirectory);
    Set<String> seen = new HashSet<>();
    try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(archive))) {
      for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
        String name = entry.getName();
        if (entry.isDirectory()) {
          throw new ArtifactFormatException(
              String.format(
                  Locale.ROOT,
                  "%s holds a directory entry '%s'; a bundle archive holds only files at its root",
                  archive,
                  name));
        }
        try {
          FileHashes.checkFileName("archive entry", name);
        } catch (IllegalArgumentException e) {
          throw new ArtifactFormatException(archive + ": " + e.getMessage());
        }
        if (!seen.add(name)) {
          throw new ArtifactFormatException(
              String.format(Locale.ROOT, "%s holds the entry '%s' twice", archive, name));
        }
        Path file = targetDirectory.resolve(name);
        Files.copy(zip, file);
      }
    } catch (ZipException e) {
      throw new ArtifactFormatException(
          archive + " is not a readable ZIP archive: " + e.getMessage(), e);
    }
    if (!seen.contains(BundleManifest.FILE_NAME)) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s holds no %s (entries: %s); it is not a bundle archive",
              archive,
              BundleManifest.FILE_NAME,
              seen));
    }
    BundleManifest manifest = BundleManifest.read(targetDirectory);
    Set<String> expected =
        Set.of(BundleManifest.FILE_NAME, manifest.modelFile(), manifest.tokenizerFile());
    seen.removeAll(expected);
    if (!seen.isEmpty()) {
      throw new ArtifactFormatException(
          String.format(
              Locale.ROOT,
              "%s holds unexpected entries %s; a bundle archive holds exactly %s",
              archive,
              seen,
              expected));
    }
    return manifest;
  }
}
