package io.recformer.train.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The item matrices of one fine-tuning run and who owns them: the constant matrix the softmax
 * trains against (stage 1's encoding of the epoch, or a frozen one), the trainable matrix (a
 * parameter), the encoding a validation made for the next epoch, and the zero-shot pass's encoding
 * that stage 1's first epoch starts from. Each slot closes the array it replaces; all of them live
 * in the run's manager on the primary device and close with it.
 */
final class ItemMatrices {

  /** The tensor name of a matrix in its safetensors files. */
  static final String TENSOR = "item_matrix";

  private final NDManager manager;
  private NDArray fixed;
  private NDArray trainable;
  private NDArray cached;
  private NDArray initial;

  ItemMatrices(NDManager manager) {
    this.manager = manager;
  }

  /** The constant matrix the softmax trains against (null before a stage sets one). */
  NDArray fixed() {
    return fixed;
  }

  /** The trainable matrix (a parameter with a gradient), or null. */
  NDArray trainable() {
    return trainable;
  }

  /** The matrix training uses: the trainable one or the constant one. */
  NDArray current(boolean trainableMatrix) {
    return trainableMatrix ? trainable : fixed;
  }

  /** Makes {@code m} the constant matrix, closing the previous one. */
  void replaceFixed(NDArray m) {
    if (fixed != null && fixed != m) {
      fixed.close();
    }
    fixed = m;
  }

  /** Makes {@code m} the trainable matrix (it gets a gradient), closing the previous one. */
  void replaceTrainable(NDArray m) {
    if (trainable != null) {
      trainable.close();
    }
    trainable = m;
    trainable.setRequiresGradient(true);
  }

  /** {@link #replaceTrainable} or {@link #replaceFixed}. */
  void replace(boolean trainableMatrix, NDArray m) {
    if (trainableMatrix) {
      replaceTrainable(m);
    } else {
      replaceFixed(m);
    }
  }

  /** Keeps a validation's fresh encoding for the next epoch, closing an older one. */
  void keepForNextEpoch(NDArray m) {
    if (cached != null && cached != m) {
      cached.close();
    }
    cached = m;
  }

  /** The encoding kept by {@link #keepForNextEpoch}, handed over (the slot is emptied), or null. */
  NDArray takeKeptForNextEpoch() {
    NDArray m = cached;
    cached = null;
    return m;
  }

  /** Closes a kept encoding that no epoch will use. */
  void dropKeptForNextEpoch() {
    if (cached != null) {
      cached.close();
      cached = null;
    }
  }

  /** Keeps the zero-shot pass's encoding (moved into the run's manager) for stage 1's start. */
  void keepInitial(NDArray m) {
    m.attach(manager);
    initial = m;
  }

  /** The zero-shot pass's encoding, handed over once, or null. */
  NDArray takeInitial() {
    NDArray m = initial;
    initial = null;
    return m;
  }

  /** The trainable matrix with L2-normalized rows, a new array in the run's manager. */
  NDArray normalizedTrainable() {
    NDArray n = trainable.normalize(2, 1, 1e-8);
    n.attach(manager);
    return n;
  }

  /** A copy of the constant matrix on another device, in the run's manager. */
  NDArray fixedCopyOn(Device device) {
    NDArray copy = fixed.toDevice(device, true);
    copy.attach(manager);
    return copy;
  }

  /** Reads a matrix written by {@link #write} into the run's manager. */
  NDArray read(Path file) throws IOException {
    WeightTensor t = SafeTensors.read(file).tensors().get(TENSOR);
    if (t == null) {
      throw new IOException(file + " has no '" + TENSOR + "' tensor");
    }
    return manager.create(t.values(), new Shape(t.shape()));
  }

  /** Writes a matrix as the single tensor of a safetensors file. */
  static void write(Path file, NDArray m) throws IOException {
    SafeTensors.write(file, Map.of(TENSOR, tensor(TENSOR, m)), Map.of());
  }

  static WeightTensor tensor(String name, NDArray a) {
    return new WeightTensor(name, a.getShape().getShape(), a.toFloatArray());
  }
}
