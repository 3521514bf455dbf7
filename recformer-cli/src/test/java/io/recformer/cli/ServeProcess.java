package io.recformer.cli;

import com.google.common.base.Splitter;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code recformer serve} as a separate JVM: started, its address read, stopped by SIGTERM. */
final class ServeProcess implements AutoCloseable {

  private static final Pattern SERVING = Pattern.compile("serving .* at (http://\\S+/)");

  private final Process process;
  private final Path stderr;
  private final URI uri;

  private ServeProcess(Process process, Path stderr, URI uri) {
    this.process = process;
    this.stderr = stderr;
    this.uri = uri;
  }

  /** Starts {@code recformer serve args...} and waits (up to 2 minutes) until it listens. */
  static ServeProcess start(Path temp, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-Xmx1g",
            "-Xss4m",
            "-Dai.djl.offline=true",
            "-cp",
            pathingJar(temp).toString(),
            RecformerCli.class.getName(),
            "serve"));
    command.addAll(List.of(args));
    Path stderr = Files.createTempFile(temp, "serve", ".err");
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
    builder.environment().put("OPT_OUT_TRACKING", "true");
    builder.environment().put("DJL_OFFLINE", "true");
    Process process = builder.start();
    List<String> out = new ArrayList<>();
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<URI> address =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                for (String line; (line = reader.readLine()) != null; ) {
                  synchronized (out) {
                    out.add(line);
                  }
                  Matcher m = SERVING.matcher(line);
                  if (m.find()) {
                    return URI.create(m.group(1));
                  }
                }
                return null;
              } catch (IOException e) {
                return null;
              }
            });
    URI uri;
    try {
      uri = address.get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IOException(
          "serve did not start; output " + out + ", errors: " + Files.readString(stderr), e);
    }
    if (uri == null) {
      throw new IOException(
          "serve ended without listening (exit "
              + exitOf(process)
              + "): "
              + Files.readString(stderr));
    }
    return new ServeProcess(process, stderr, uri);
  }

  /**
   * A manifest-only jar whose Class-Path lists this JVM's class path. ONNX Runtime 1.29's native
   * initialisation crashes the JVM (SIGSEGV) when the {@code java.class.path} property is longer
   * than about 20,000 characters, as the test class path with Spark's jars is; the tool's own jar
   * and the surefire JVM keep it short the same way.
   */
  private static Path pathingJar(Path temp) throws IOException {
    StringBuilder classPath = new StringBuilder();
    for (String entry :
        Splitter.on(File.pathSeparatorChar).split(System.getProperty("java.class.path"))) {
      if (!entry.isEmpty()) {
        classPath.append(Path.of(entry).toAbsolutePath().toUri()).append(' ');
      }
    }
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath.toString().trim());
    Path jar = Files.createTempFile(temp, "serve-classpath", ".jar");
    try (OutputStream out = Files.newOutputStream(jar)) {
      // The manifest is the whole jar.
      new JarOutputStream(out, manifest).close();
    }
    return jar;
  }

  private static String exitOf(Process process) {
    try {
      return process.waitFor(10, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  URI uri() {
    return uri;
  }

  /** Sends SIGTERM and waits for the exit code. */
  int terminate() throws InterruptedException {
    process.destroy(); // SIGTERM on Linux
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("serve did not stop within 60 s of SIGTERM");
    }
    return process.exitValue();
  }

  String stderr() throws IOException {
    return Files.readString(stderr);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
