package io.recformer.train.run;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request to stop a training run at its next step boundary, raised by Ctrl-C (SIGINT) or SIGTERM
 * (what a scheduler sends) once {@link #install} replaced the JVM's default handling of those
 * signals.
 *
 * <p>Why not the default: the JVM answers both signals by exiting, and exiting while the training
 * thread is inside libtorch (a backward pass) tears native state down under it, which crashed the
 * JVM with SIGSEGV. With the handler installed the first signal only sets a flag; the trainer
 * finishes its current optimizer step, writes a resumable checkpoint and ends with {@link
 * RunStoppedException}. A second signal stops at once, for a run that does not reach a step
 * boundary in reasonable time.
 *
 * <p>Java has no public API for signals; {@code sun.misc.Signal} (module jdk.unsupported, kept for
 * exactly this use) is reached by reflection, because javac warns about every compiled reference to
 * it and the build turns warnings into errors.
 */
public final class StopSignal implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StopSignal.class);

  /** Signal numbers on Linux and macOS, for the conventional exit status 128 + number. */
  private static final Map<String, Integer> NUMBERS = Map.of("INT", 2, "TERM", 15);

  private final List<Object> installed = new ArrayList<>(); // sun.misc.Signal
  private final List<Object> previous = new ArrayList<>(); // sun.misc.SignalHandler
  private volatile String requestedBy;

  private StopSignal() {}

  /** A stop request no signal can raise: for runs started from code that handles signals itself. */
  public static StopSignal none() {
    return new StopSignal();
  }

  /**
   * Handles SIGINT and SIGTERM until {@link #close()}: the first one requests a stop at the next
   * step boundary, a second one halts the JVM.
   */
  public static StopSignal install() {
    StopSignal stop = new StopSignal();
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
      for (String name : List.of("INT", "TERM")) {
        Object handler =
            Proxy.newProxyInstance(
                StopSignal.class.getClassLoader(),
                new Class<?>[] {handlerClass},
                (proxy, method, args) -> {
                  if (method.getName().equals("handle")) {
                    stop.onSignal(name);
                    return null;
                  }
                  return method.invoke(stop, args); // toString, hashCode, equals
                });
        Object signal = signalClass.getConstructor(String.class).newInstance(name);
        stop.previous.add(handle.invoke(null, signal, handler));
        stop.installed.add(signal);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      stop.close();
      LOG.warn(
          "cannot handle SIGINT/SIGTERM here ({}); a signal stops the run without a checkpoint",
          e instanceof InvocationTargetException ? e.getCause() : e);
    }
    return stop;
  }

  private void onSignal(String name) {
    if (requestedBy != null) {
      LOG.warn("second SIG{}: stopping at once, without a checkpoint", name);
      Runtime.getRuntime().halt(exitCodeOf(name));
    }
    request("SIG" + name);
    LOG.warn(
        "SIG{} received: the run stops after its current step and saves a checkpoint to resume"
            + " from (send it again to stop at once, without one)",
        name);
  }

  /** Requests a stop, as a signal would; {@code by} names the cause in logs (e.g. "SIGTERM"). */
  public void request(String by) {
    requestedBy = by;
  }

  /** True once a stop was requested. */
  public boolean requested() {
    return requestedBy != null;
  }

  /** What requested the stop ("SIGINT", "SIGTERM", ...), or null. */
  public String requestedBy() {
    return requestedBy;
  }

  /** The exit status a shell expects after the signal that stopped the run (130, 143; else 1). */
  public int exitCode() {
    return requestedBy == null ? 1 : exitCodeOf(requestedBy.replaceFirst("^SIG", ""));
  }

  private static int exitCodeOf(String signalName) {
    Integer number = NUMBERS.get(signalName.toUpperCase(Locale.ROOT));
    return number == null ? 1 : 128 + number;
  }

  /** Gives the signals back to the handlers they had before {@link #install}. */
  @Override
  public void close() {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Method handle =
          signalClass.getMethod("handle", signalClass, Class.forName("sun.misc.SignalHandler"));
      for (int i = 0; i < installed.size(); i++) {
        handle.invoke(null, installed.get(i), previous.get(i));
      }
    } catch (ReflectiveOperationException e) {
      LOG.warn("could not restore the signal handlers: {}", e.toString());
    } finally {
      installed.clear();
      previous.clear();
    }
  }
}
