package io.recformer.cli;

import io.recformer.data.dataset.Dataset;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.recommend.Recommender;
import io.recformer.infer.recommend.RecommenderOptions;
import io.recformer.serve.RecformerServer;
import io.recformer.serve.ServeOptions;
import io.recformer.serve.UserDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code recformer serve}: the HTTP service of recformer-serve (JSON endpoints and a web page) over
 * a bundle, a catalog directory and a dataset's users, until SIGTERM or Ctrl-C (docs/serve.md).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serve recommendations over HTTP: JSON endpoints under /api and a web page at /"
          + " (docs/serve.md).",
      "The dataset gives the catalog and the users known by id. With --catalog, the first start"
          + " embeds the catalog into that directory and later starts reopen it (items added over"
          + " HTTP are durable); without it the catalog is embedded in memory and additions are"
          + " lost on exit. SIGTERM or Ctrl-C stops gracefully: requests in flight finish (up to"
          + " --drain-timeout), then the catalog is closed."
    })
final class ServeCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Spec CommandSpec spec;

  @Mixin BundleOptions bundle;

  @Parameters(
      index = "0",
      paramLabel = "<dataset>",
      description = "Dataset: a saved dataset or any importable directory (catalog and users).")
  Path data;

  @Option(
      names = "--catalog",
      paramLabel = "<dir>",
      description =
          "Catalog directory (as written by `recformer index --catalog`): opened if it exists,"
              + " created from the dataset's items otherwise; dataset items it lacks are added.")
  Path catalog;

  @Option(
      names = "--host",
      description = "Address to bind (default: ${DEFAULT-VALUE}, this machine only).")
  String host = "127.0.0.1";

  @Option(
      names = "--port",
      description = "TCP port; 0 picks a free one and prints it (default: ${DEFAULT-VALUE}).")
  int port = 8080;

  @Option(
      names = "--request-threads",
      description = "Requests answered at once (default: the number of processors).")
  int requestThreads = ServeOptions.defaults().threads();

  @Option(
      names = "--max-body-bytes",
      description = "Largest request body; larger ones get 413 (default: ${DEFAULT-VALUE}).")
  int maxBodyBytes = ServeOptions.defaults().maxBodyBytes();

  @Option(
      names = "--max-k",
      description = "Largest k of a recommendation request (default: ${DEFAULT-VALUE}).")
  int maxK = ServeOptions.defaults().maxK();

  @Option(
      names = "--max-history",
      description =
          "Most item ids in a request's history; more get 413 (default: ${DEFAULT-VALUE}).")
  int maxHistory = ServeOptions.defaults().maxHistory();

  @Option(
      names = "--max-add-items",
      description = "Most items one addition may hold; more get 413 (default: ${DEFAULT-VALUE}).")
  int maxAddItems = ServeOptions.defaults().maxAddItems();

  @Option(
      names = "--drain-timeout",
      paramLabel = "<seconds>",
      description =
          "On SIGTERM, how long requests in flight may take to finish (default: ${DEFAULT-VALUE}).")
  int drainSeconds = (int) ServeOptions.defaults().drainTimeout().toSeconds();

  @Option(
      names = "--verify",
      description =
          "Check every checksum of the catalog before serving (otherwise it is checked in the"
              + " background and reported by /api/health).")
  boolean verify;

  @Override
  public Integer call() throws Exception {
    if (!spec.commandLine().getParseResult().hasMatchedOption("--threads")) {
      // Concurrent requests share the cores: one ONNX Runtime thread per encoder call.
      bundle.threads = 1;
    }
    ServeOptions options =
        ServeOptions.defaults()
            .withHost(host)
            .withPort(port)
            .withThreads(requestThreads)
            .withLimits(maxBodyBytes, maxK, maxHistory, maxAddItems)
            .withDrainTimeout(Duration.ofSeconds(drainSeconds));
    Dataset dataset = DatasetArguments.open(data, false);
    UserDirectory users = UserDirectory.of(dataset.users());
    RecommenderOptions serving = RecommenderOptions.defaults().withVerify(verify);
    try (RecformerEncoder encoder = bundle.open()) {
      Recommender recommender;
      if (catalog == null) {
        LOG.warn("no --catalog: the catalog is held in memory and items added over HTTP are lost");
        recommender = Recommender.build(encoder, dataset.items(), serving);
      } else if (Files.exists(catalog.resolve("catalog.json"))) {
        recommender = Recommender.open(encoder, catalog, dataset.items(), serving);
      } else {
        LOG.info("creating catalog directory {} from {} items", catalog, dataset.itemCount());
        recommender = Recommender.create(encoder, dataset.items(), catalog, serving);
      }
      RecformerServer server;
      try {
        server = RecformerServer.start(recommender, users, options);
      } catch (IOException | RuntimeException e) {
        recommender.close();
        throw e;
      }
      // SIGTERM and Ctrl-C run the shutdown hooks: drain, then close the catalog.
      Thread hook = new Thread(server::stop, "recformer-serve-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      System.out.println(
          "serving "
              + recommender.size()
              + " items to "
              + users.size()
              + " users at "
              + server.uri()
              + " (Ctrl-C or SIGTERM stops)");
      System.out.flush();
      server.awaitStop();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Stopped by the hook itself: the JVM is exiting.
      }
    }
    return 0;
  }
}
