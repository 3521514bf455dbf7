package io.recformer.train.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the encoder's layer stack, optionally with gradient checkpointing: each layer's forward runs
 * without recording its activations (only its input is kept, one {@code [b, n, d]} array per layer)
 * and is run again, layer by layer from the last, when the gradient is needed. DJL has no {@code
 * torch.utils.checkpoint}, so the backward is driven here: the stack's output is handed on as a
 * fresh leaf, the caller's backward stops there, and {@link #backward()} then recomputes each layer
 * with gradients and back-propagates the leaf's gradient through it ({@code JniUtils.backward} with
 * an explicit output gradient), and finally through the embeddings.
 *
 * <p>Dropout inside a layer must draw the same mask when the layer is recomputed: each layer's
 * forward is preceded by seeding the engine with a seed drawn once per stack forward, and the
 * recomputation seeds it again. Seeding is process-wide in libtorch (it resets every device's
 * generator), so with several device threads each "seed, then run the layer" is done under one
 * lock; on a GPU the lock is held only while the layer's kernels are queued. Reseeding changes
 * which random numbers dropout uses compared with a run without checkpointing (not their
 * distribution); {@code reseedOnly} reproduces the checkpointed masks without checkpointing, for
 * tests.
 */
final class CheckpointedLayers {

  private static final Object SEED_LOCK = new Object();

  /** What one checkpointed stack forward left for its backward. */
  private record Pending(
      NDManager keep,
      List<LongformerLayer> layers,
      ParameterStore store,
      AttentionMasks masks,
      AttentionMode mode,
      NDArray embeddings,
      List<NDArray> inputs,
      List<Long> seeds,
      NDArray output) {}

  private final List<Pending> pending = new ArrayList<>();

  /**
   * The layer stack's output for {@code x}.
   *
   * @param checkpoint true to keep only the layers' inputs (training only)
   * @param reseedOnly true to seed each layer like a checkpointed forward without checkpointing
   * @param keep manager that owns what the backward needs ({@code masks} must belong to it); closed
   *     by {@link #backward()} when checkpointing, else by the caller
   */
  NDArray forward(
      List<LongformerLayer> layers,
      ParameterStore store,
      NDArray x,
      AttentionMasks masks,
      boolean training,
      AttentionMode mode,
      NDManager scratch,
      NDManager keep,
      boolean checkpoint,
      boolean reseedOnly) {
    boolean reseed = training && (checkpoint || reseedOnly);
    List<Long> seeds = reseed ? seeds(scratch, layers.size()) : null;
    if (!(training && checkpoint)) {
      for (int i = 0; i < layers.size(); i++) {
        x = run(layers.get(i), store, x, masks, training, mode, scratch, seeds, i);
      }
      return x;
    }
    pending.removeIf(p -> !p.keep().isOpen());
    List<NDArray> inputs = new ArrayList<>(layers.size());
    boolean before = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    NDArray a = x.stopGradient(); // x (the embeddings, with their graph) belongs to keep
    a.attach(keep);
    try {
      for (int i = 0; i < layers.size(); i++) {
        inputs.add(a);
        try (NDManager layerScope = keep.newSubManager()) {
          // An op's result joins its operand's manager: with the input in the layer's scope, the
          // layer's intermediates are freed with it instead of piling up in keep.
          a.tempAttach(layerScope);
          NDArray next = run(layers.get(i), store, a, masks, true, mode, layerScope, seeds, i);
          next.attach(keep);
          a = next;
        }
      }
    } finally {
      JniUtils.setGradMode(before);
    }
    a.setRequiresGradient(true);
    pending.add(new Pending(keep, layers, store, masks, mode, x, inputs, seeds, a));
    return a;
  }

  /**
   * Back-propagates the gradients that the caller's backward left on the outputs of checkpointed
   * forwards through the recomputed layers and the embeddings, then frees what the forwards kept.
   * Does nothing when no checkpointed forward is pending.
   */
  void backward() {
    List<Pending> all = new ArrayList<>(pending);
    pending.clear();
    boolean before = JniUtils.isGradMode();
    try {
      for (Pending p : all) {
        try (NDManager keep = p.keep()) {
          if (!keep.isOpen()) {
            continue;
          }
          NDArray grad = p.output().getGradient();
          if (grad == null) {
            continue; // the output did not reach the loss
          }
          grad.attach(keep);
          for (int i = p.layers().size() - 1; i >= 0; i--) {
            NDArray input = p.inputs().get(i);
            try (NDManager layerScope = keep.newSubManager()) {
              input.tempAttach(layerScope); // the recomputed intermediates go with the scope
              JniUtils.setGradMode(true);
              input.setRequiresGradient(true);
              NDArray out =
                  run(
                      p.layers().get(i),
                      p.store(),
                      input,
                      p.masks(),
                      true,
                      p.mode(),
                      layerScope,
                      p.seeds(),
                      i);
              JniUtils.backward((PtNDArray) out, (PtNDArray) grad, false, false);
              JniUtils.setGradMode(false);
              NDArray next = input.getGradient();
              next.attach(keep);
              grad = next;
            }
          }
          JniUtils.setGradMode(true);
          JniUtils.backward((PtNDArray) p.embeddings(), (PtNDArray) grad, false, false);
        }
      }
    } finally {
      JniUtils.setGradMode(before);
    }
  }

  /** Forwards still waiting for {@link #backward()} (for tests). */
  int pendingCount() {
    pending.removeIf(p -> !p.keep().isOpen());
    return pending.size();
  }

  private static NDArray run(
      LongformerLayer layer,
      ParameterStore store,
      NDArray x,
      AttentionMasks masks,
      boolean training,
      AttentionMode mode,
      NDManager scope,
      List<Long> seeds,
      int index) {
    if (seeds == null) {
      return layer.forward(store, x, masks, training, mode, scope);
    }
    synchronized (SEED_LOCK) {
      Engine.getInstance().setRandomSeed(seeds.get(index).intValue());
      return layer.forward(store, x, masks, training, mode, scope);
    }
  }

  /** One seed per layer from the engine's generator (seeded per step by the training loop). */
  private static List<Long> seeds(NDManager scratch, int layers) {
    try (NDArray r =
        scratch.randomInteger(0, Integer.MAX_VALUE, new Shape(layers), DataType.INT64)) {
      List<Long> out = new ArrayList<>(layers);
      for (long v : r.toLongArray()) {
        out.add(v);
      }
      return out;
    }
  }
}
