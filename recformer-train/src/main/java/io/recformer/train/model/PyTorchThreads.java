package io.recformer.train.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CPU thread settings of the PyTorch engine. DJL reads {@code ai.djl.pytorch.num_threads}
 * (intra-op: threads inside one matmul or softmax) and {@code ai.djl.pytorch.num_interop_threads}
 * (independent ops run concurrently) when the engine starts. The encoder runs one op after another,
 * so one inter-op thread suffices and every core goes to intra-op work; on a 2-core machine that is
 * 2 intra-op threads and 1 inter-op thread. Values set by the user (-D...) are kept.
 */
public final class PyTorchThreads {

  /** DJL's system property for intra-op threads. */
  public static final String INTRA_OP = "ai.djl.pytorch.num_threads";

  /** DJL's system property for inter-op threads. */
  public static final String INTER_OP = "ai.djl.pytorch.num_interop_threads";

  private static final Logger LOG = LoggerFactory.getLogger(PyTorchThreads.class);

  private PyTorchThreads() {}

  /**
   * Sets the defaults (intra-op = available processors, inter-op = 1) unless already set. Takes
   * effect only if called before the PyTorch engine is first loaded.
   */
  public static synchronized void applyDefaults() {
    if (System.getProperty(INTRA_OP) == null) {
      System.setProperty(INTRA_OP, Integer.toString(Runtime.getRuntime().availableProcessors()));
    }
    if (System.getProperty(INTER_OP) == null) {
      System.setProperty(INTER_OP, "1");
    }
  }

  /**
   * Sets the intra-op thread count now (works also after the engine started; PyTorch allows
   * changing it at any time) and remembers it for an engine not yet started.
   */
  public static synchronized void setIntraOpThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("intra-op threads = " + threads + " must be >= 1");
    }
    System.setProperty(INTRA_OP, Integer.toString(threads));
    applyDefaults();
    Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(threads);
    LOG.debug("PyTorch intra-op threads set to {}", threads);
  }

  /** The intra-op thread count the running engine uses. */
  public static int intraOpThreads() {
    Engine.getEngine("PyTorch");
    return JniUtils.getNumThreads();
  }
}
