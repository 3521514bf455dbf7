package io.recformer.train.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Device selection for training: {@code "cpu"} (the default) or {@code "gpu"} / {@code "gpu:N"}
 * (DJL device names), or a comma-separated list of them for data-parallel training on several
 * devices ({@code "gpu:0,gpu:1"}; see {@link DataParallel}). A GPU that cannot be used fails at
 * once with what is missing, instead of a run silently falling back to the CPU; see {@code
 * docs/gpu.md} for the CUDA libtorch setup.
 */
public final class Devices {

  private Devices() {}

  /** Checks the syntax of a device name without starting the engine. */
  public static void validateName(String name) {
    if (name == null || !name.toLowerCase(Locale.ROOT).matches("cpu|gpu|gpu:[0-9]+")) {
      throw new IllegalArgumentException(
          "device = '" + name + "' must be cpu, gpu or gpu:N (N = CUDA device index)");
    }
  }

  /**
   * Checks the syntax of a device list: one device name or several separated by commas. The same
   * device may appear more than once (replicas share it; useful only to test the data-parallel path
   * on a CPU).
   */
  public static void validateList(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException(
          "device = '"
              + spec
              + "' must be cpu, gpu, gpu:N or a comma-separated list such as gpu:0,gpu:1");
    }
    for (String name : spec.split(",", -1)) {
      try {
        validateName(name.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "device list '"
                + spec
                + "': "
                + e.getMessage()
                + "; several devices are separated by commas, e.g. gpu:0,gpu:1",
            e);
      }
    }
  }

  /** The devices of a list ({@link #validateList}), each verified like {@link #select}. */
  public static List<Device> selectAll(String spec) {
    validateList(spec);
    List<Device> out = new ArrayList<>();
    for (String name : spec.split(",", -1)) {
      out.add(select(name.trim()));
    }
    return out;
  }

  /**
   * The DJL device for a name, verified to be usable by the PyTorch engine.
   *
   * @throws DeviceUnavailableException naming what is missing when a GPU was asked for but the
   *     engine sees none (CPU-only libtorch, no driver) or fewer than the index needs
   */
  public static Device select(String name) {
    validateName(name);
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.equals("cpu")) {
      return Device.cpu();
    }
    int index = lower.equals("gpu") ? 0 : Integer.parseInt(lower.substring(4));
    Engine engine = Engine.getEngine("PyTorch");
    int gpus = engine.getGpuCount();
    if (gpus <= index) {
      throw new DeviceUnavailableException(
          String.format(
              Locale.ROOT,
              "device %s was requested but the PyTorch engine (libtorch %s) sees %d GPU(s). A CUDA"
                  + " run needs an NVIDIA driver and a CUDA build of libtorch %s: Maven Central"
                  + " only ships the CPU build for DJL %s, so point DJL at a local CUDA libtorch"
                  + " with PYTORCH_LIBRARY_PATH=<libtorch>/lib, PYTORCH_VERSION=%s and"
                  + " PYTORCH_FLAVOR=cu128 (environment variables or -D system properties); see"
                  + " docs/gpu.md. Currently PYTORCH_LIBRARY_PATH=%s, PYTORCH_FLAVOR=%s",
              name,
              engine.getVersion(),
              gpus,
              engine.getVersion(),
              Engine.getDjlVersion(),
              engine.getVersion(),
              setting("PYTORCH_LIBRARY_PATH"),
              setting("PYTORCH_FLAVOR")));
    }
    return Device.gpu(index);
  }

  private static String setting(String key) {
    String value = System.getenv(key);
    if (value == null) {
      value = System.getProperty(key);
    }
    return value == null ? "(unset)" : value;
  }
}
