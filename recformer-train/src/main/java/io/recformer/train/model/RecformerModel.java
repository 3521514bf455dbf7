package io.recformer.train.model;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.weights.WeightTensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The Recformer encoder (reference section 3) as one DJL block: embeddings (word + token position +
 * token type + item position, LayerNorm, dropout), {@code numLayers} Longformer layers, pooling
 * (CLS or masked mean) and the MLM head whose decoder is tied to the word embeddings.
 *
 * <p>All parameters are direct parameters of this block and carry Hugging Face Longformer names and
 * shapes ({@code encoder.layer.0.attention.self.query.weight}, Linear weights {@code [out, in]}),
 * so {@link #exportWeights()} and {@link #loadWeights(Map)} are name-for-name, and DJL optimizers
 * and {@code freezeParameters} see the same names. The model owns its parameter arrays (a child of
 * the manager it was created with) and must be closed.
 *
 * <p>Inputs of {@link #forward}: six {@code [batch, length]} integer arrays in this order: input
 * ids, token types, token positions, item positions, attention mask, global-attention mask (the
 * {@link EncodedBatch} layout). Outputs: hidden states {@code [batch, length, d]} and pooled {@code
 * [batch, d]}. Any length works: it is padded internally to a multiple of w/2 and sliced back.
 * Temporaries of one forward live in a child manager of the inputs' manager that is closed before
 * returning, so a long run does not grow native memory; with a {@code GradientCollector} the
 * autograd graph keeps what backward needs.
 *
 * <p>Over 400 lines because it is the model: its parameters under Hugging Face names, the forward
 * (embeddings, layers, pooling, MLM head), weight import and export, and the precision and
 * checkpointing switches all address one parameter set; the layers live in {@link LongformerLayer}
 * and {@link LongformerSelfAttention}.
 */
public final class RecformerModel extends AbstractBlock implements AutoCloseable {

  /** Standard deviation of BERT's weight initialization. */
  static final double INIT_STD = 0.02;

  private final RecformerConfig config;
  private final NDManager manager;
  private final ParameterStore store;
  private final Shape normShape;

  private final Parameter wordEmbeddings;
  private final Parameter positionEmbeddings;
  private final Parameter tokenTypeEmbeddings;
  private final Parameter itemPositionEmbeddings;
  private final Parameter embeddingNormW;
  private final Parameter embeddingNormB;
  private final List<LongformerLayer> layers;
  private final Parameter lmDenseW;
  private final Parameter lmDenseB;
  private final Parameter lmNormW;
  private final Parameter lmNormB;
  private final Parameter lmBias;

  private boolean closed;
  private final CheckpointedLayers stack = new CheckpointedLayers();
  private boolean gradientCheckpointing;
  private Precision precision = Precision.FP32;
  // Tests: seed each layer as a checkpointed forward does, without checkpointing.
  boolean reseedLayers;

  private RecformerModel(NDManager parent, RecformerConfig config, long seed) {
    this.config = config;
    this.manager = parent.newSubManager();
    this.normShape = new Shape(config.hiddenSize());
    try {
      ParameterFactory params = new SeededParameters(seed);
      int d = config.hiddenSize();
      wordEmbeddings = params.weight("embeddings.word_embeddings.weight", config.vocabSize(), d);
      positionEmbeddings =
          params.weight("embeddings.position_embeddings.weight", config.maxPositions(), d);
      tokenTypeEmbeddings =
          params.weight("embeddings.token_type_embeddings.weight", config.tokenTypes(), d);
      itemPositionEmbeddings =
          params.weight("embeddings.item_position_embeddings.weight", config.maxItemPositions(), d);
      embeddingNormW = params.gamma("embeddings.LayerNorm.weight", d);
      embeddingNormB = params.bias("embeddings.LayerNorm.bias", d);
      List<LongformerLayer> list = new ArrayList<>();
      for (int i = 0; i < config.numLayers(); i++) {
        list.add(
            new LongformerLayer(
                i,
                d,
                config.numHeads(),
                config.intermediateSize(),
                (float) config.layerNormEps(),
                (float) config.hiddenDropout(),
                (float) config.attentionDropout(),
                params));
      }
      layers = List.copyOf(list);
      lmDenseW = params.weight("lm_head.dense.weight", d, d);
      lmDenseB = params.bias("lm_head.dense.bias", d);
      lmNormW = params.gamma("lm_head.layer_norm.weight", d);
      lmNormB = params.bias("lm_head.layer_norm.bias", d);
      lmBias = params.bias("lm_head.bias", config.vocabSize());
      this.store = new ParameterStore(manager, false);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    inputNames =
        List.of(
            "input_ids",
            "token_type_ids",
            "token_position_ids",
            "item_position_ids",
            "attention_mask",
            "global_attention_mask");
  }

  /**
   * A randomly initialized model: weights normal(0, 0.02) as BERT, biases 0, LayerNorm scales 1.
   * Each parameter draws from its own generator seeded by {@code seed} and its name, so values do
   * not depend on construction order.
   *
   * @param parent manager whose child will own the parameters (closed by {@link #close()})
   */
  public static RecformerModel newInstance(NDManager parent, RecformerConfig config, long seed) {
    PyTorchThreads.applyDefaults();
    return new RecformerModel(parent, config, seed);
  }

  /** The configuration this model was built for. */
  public RecformerConfig config() {
    return config;
  }

  /**
   * Turns gradient checkpointing of the layer stack on or off for training forwards: activations
   * inside the layers are not kept but recomputed by {@link #finishCheckpointedBackward()}, which
   * must follow every backward of a loss computed from a training forward (see {@link
   * CheckpointedLayers}).
   */
  public void setGradientCheckpointing(boolean on) {
    this.gradientCheckpointing = on;
  }

  public boolean gradientCheckpointing() {
    return gradientCheckpointing;
  }

  /**
   * Sets the arithmetic of every later forward, training and evaluation alike ({@link Precision}).
   * The parameters stay float32 whatever the precision, so the optimizer, checkpoints and exports
   * see the same arrays; {@link Precision#FP16_MIXED} casts them to float16 at use in each forward.
   */
  public void setPrecision(Precision precision) {
    this.precision = Objects.requireNonNull(precision, "precision");
  }

  public Precision precision() {
    return precision;
  }

  /**
   * Completes the backward pass through checkpointed layers (recomputing them), after the backward
   * of a loss; does nothing when checkpointing is off or no training forward is pending.
   */
  public void finishCheckpointedBackward() {
    stack.backward();
  }

  /** Every parameter's Hugging Face name and shape, in export order. */
  public Map<String, long[]> parameterShapes() {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    parameters.forEach((name, p) -> shapes.put(name, p.getShape().getShape()));
    return Collections.unmodifiableMap(shapes);
  }

  /** The DJL parameter with this Hugging Face name (for optimizers, freezing, gradients). */
  public Parameter parameter(String name) {
    Parameter p = parameters.get(name);
    if (p == null) {
      throw new IllegalArgumentException(
          "no parameter named '"
              + name
              + "' (the model has "
              + parameters.size()
              + " parameters, e.g. embeddings.word_embeddings.weight)");
    }
    return p;
  }

  /**
   * Freezes (no gradient, no update) or unfreezes the word embeddings, as the original
   * pre-training.
   */
  public void freezeWordEmbeddings(boolean freeze) {
    wordEmbeddings.freeze(freeze);
  }

  /** All weights as engine-free tensors, in {@link #parameterShapes()} order. */
  public List<WeightTensor> exportWeights() {
    requireOpen();
    List<WeightTensor> out = new ArrayList<>(parameters.size());
    parameters.forEach(
        (name, p) -> {
          NDArray array = p.getArray();
          out.add(new WeightTensor(name, array.getShape().getShape(), array.toFloatArray()));
        });
    return out;
  }

  /** {@link #exportWeights()} keyed by name (insertion-ordered). */
  public Map<String, WeightTensor> exportWeightMap() {
    Map<String, WeightTensor> map = new LinkedHashMap<>();
    for (WeightTensor t : exportWeights()) {
      map.put(t.name(), t);
    }
    return Collections.unmodifiableMap(map);
  }

  /**
   * Replaces every parameter's values. The map must hold exactly this model's names with exactly
   * its shapes; otherwise nothing is changed and the exception lists the missing, unexpected and
   * wrongly shaped names.
   */
  public void loadWeights(Map<String, WeightTensor> weights) {
    requireOpen();
    List<String> missing = new ArrayList<>();
    List<String> wrongShape = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      WeightTensor t = weights.get(e.getKey());
      long[] expected = e.getValue().getShape().getShape();
      if (t == null) {
        missing.add(e.getKey());
      } else if (!Arrays.equals(t.shape(), expected)) {
        wrongShape.add(
            e.getKey()
                + " (got "
                + Arrays.toString(t.shape())
                + ", expected "
                + Arrays.toString(expected)
                + ")");
      }
    }
    TreeSet<String> unexpected = new TreeSet<>(weights.keySet());
    unexpected.removeAll(parameters.keySet());
    if (!missing.isEmpty() || !unexpected.isEmpty() || !wrongShape.isEmpty()) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "weights do not match the model (%d layers, d %d): missing %d %s; unexpected %d %s;"
                  + " wrong shape %d %s",
              config.numLayers(),
              config.hiddenSize(),
              missing.size(),
              missing,
              unexpected.size(),
              unexpected,
              wrongShape.size(),
              wrongShape));
    }
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      WeightTensor t = weights.get(e.getKey());
      // Writes into the existing array: the Parameter keeps its identity (optimizer state, freeze).
      e.getValue().getArray().set(FloatBuffer.wrap(t.values()));
    }
  }

  /**
   * Encodes a batch with the sliding-window attention. Hidden states and pooled vectors are float32
   * in every {@link Precision}.
   *
   * @param batchManager per-batch manager that will own the outputs
   * @param training true for dropout (and when gradients will be collected)
   */
  public EncoderOutput encode(NDManager batchManager, EncodedBatch batch, boolean training) {
    return encode(batchManager, batch, training, AttentionMode.SLIDING_WINDOW);
  }

  /** As {@link #encode(NDManager, EncodedBatch, boolean)} with a chosen attention mode. */
  public EncoderOutput encode(
      NDManager batchManager, EncodedBatch batch, boolean training, AttentionMode mode) {
    Inputs in =
        new Inputs(
            batch.batchSize(),
            batch.length(),
            batch.inputIds(),
            batch.tokenTypeIds(),
            batch.tokenPositionIds(),
            batch.itemPositionIds(),
            batch.attentionMask(),
            batch.globalAttentionMask());
    NDList out = run(store, in, training, mode, batchManager);
    return new EncoderOutput(out.get(0), out.get(1));
  }

  /**
   * MLM logits {@code [..., vocab]} for hidden states {@code [..., d]}: dense, GELU, LayerNorm,
   * then the transposed word embeddings plus {@code lm_head.bias} (reference section 4). Pass only
   * the masked positions' states to keep the vocab-sized output small. The logits are float32 in
   * every precision (under {@link Precision#FP16_MIXED} the two products run in float16 and adding
   * the float32 bias promotes the logits, as autocast hands float32 to the loss).
   */
  public NDArray mlmLogits(NDArray hidden) {
    return mlmLogits(store, hidden, false);
  }

  /** {@link #mlmLogits(NDArray)} through a DJL parameter store (as a Trainer does). */
  public NDArray mlmLogits(ParameterStore parameterStore, NDArray hidden, boolean training) {
    requireOpen();
    Device device = hidden.getDevice();
    DataType type = precision.computeType();
    NDManager scope = hidden.getManager();
    NDArray h =
        Linear.linear(
                Casts.to(hidden, type),
                Casts.parameter(parameterStore, lmDenseW, device, training, type, scope),
                Casts.parameter(parameterStore, lmDenseB, device, training, type, scope))
            .singletonOrThrow();
    h =
        LayerNorm.layerNorm(
                Casts.to(Activation.gelu(h), DataType.FLOAT32),
                normShape,
                parameterStore.getValue(lmNormW, device, training),
                parameterStore.getValue(lmNormB, device, training),
                (float) config.layerNormEps())
            .singletonOrThrow();
    if (type == DataType.FLOAT32) {
      return Linear.linear(
              h,
              parameterStore.getValue(wordEmbeddings, device, training),
              parameterStore.getValue(lmBias, device, training))
          .singletonOrThrow();
    }
    NDArray products =
        Linear.linear(
                Casts.to(h, type),
                Casts.parameter(parameterStore, wordEmbeddings, device, training, type, scope))
            .singletonOrThrow();
    return products.add(parameterStore.getValue(lmBias, device, training));
  }

  /** The parameter store used by {@link #encode} and {@link #mlmLogits(NDArray)}. */
  public ParameterStore parameterStore() {
    return store;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return forward(parameterStore, inputs, training, AttentionMode.SLIDING_WINDOW);
  }

  /** DJL forward with a chosen attention mode; outputs are attached to the inputs' manager. */
  public NDList forward(
      ParameterStore parameterStore, NDList inputs, boolean training, AttentionMode mode) {
    if (inputs.size() != 6) {
      throw new IllegalArgumentException(
          "the encoder takes 6 inputs " + inputNames + ", got " + inputs.size());
    }
    Shape shape = inputs.get(0).getShape();
    if (shape.dimension() != 2) {
      throw new IllegalArgumentException("inputs must be [batch, length], got " + shape);
    }
    int[][] arrays = new int[6][];
    for (int i = 0; i < 6; i++) {
      if (!inputs.get(i).getShape().equals(shape)) {
        throw new IllegalArgumentException(
            "input "
                + inputNames.get(i)
                + " has shape "
                + inputs.get(i).getShape()
                + ", expected "
                + shape
                + " like "
                + inputNames.get(0));
      }
      arrays[i] = inputs.get(i).toType(DataType.INT32, false).toIntArray();
    }
    Inputs in =
        new Inputs(
            (int) shape.get(0),
            (int) shape.get(1),
            arrays[0],
            arrays[1],
            arrays[2],
            arrays[3],
            arrays[4],
            arrays[5]);
    return run(parameterStore, in, training, mode, inputs.head().getManager());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long b = inputShapes[0].get(0);
    long n = inputShapes[0].get(1);
    return new Shape[] {new Shape(b, n, config.hiddenSize()), new Shape(b, config.hiddenSize())};
  }

  /** Runs one layer's self-attention alone (context before the output dense), for tests. */
  NDArray selfAttention(
      int layer,
      NDArray hidden,
      int[] attentionMask,
      int[] globalMask,
      AttentionMode mode,
      NDManager out) {
    long b = hidden.getShape().get(0);
    int n = (int) hidden.getShape().get(1);
    int c = config.oneSidedWindow();
    int padded = paddedLength(n, c);
    try (NDManager scratch = out.newSubManager()) {
      NDArray x = hidden.duplicate();
      x.attach(scratch);
      if (padded != n) {
        x = x.pad(new Shape(0, 0, 0, padded - n), 0);
      }
      AttentionMasks masks =
          new AttentionMasks(
              scratch,
              (int) b,
              padded,
              config.attentionWindow(),
              pad(attentionMask, (int) b, n, padded, 0),
              pad(globalMask, (int) b, n, padded, 0),
              mode,
              precision);
      NDArray context =
          layers
              .get(layer)
              .attention()
              .forward(store, x, masks, false, mode, scratch)
              .get(":, 0:" + n + ", :");
      context.attach(out);
      return context;
    }
  }

  private NDList run(
      ParameterStore parameterStore,
      Inputs in,
      boolean training,
      AttentionMode mode,
      NDManager out) {
    requireOpen();
    in.validate(config);
    int b = in.batchSize;
    int n = in.length;
    int padded = paddedLength(n, config.oneSidedWindow());
    try (NDManager scratch = out.newSubManager()) {
      boolean checkpoint = training && gradientCheckpointing;
      // A checkpointed forward keeps its masks and layer inputs until its backward.
      NDManager keep = checkpoint ? out.newSubManager() : scratch;
      Shape shape = new Shape(b, padded);
      int[] attention = pad(in.attentionMask, b, n, padded, 0);
      int[] global = pad(in.globalMask, b, n, padded, 0);
      AttentionMasks masks =
          new AttentionMasks(
              keep, b, padded, config.attentionWindow(), attention, global, mode, precision);
      NDArray x = embeddings(parameterStore, scratch, shape, in, padded, training);
      if (checkpoint) {
        x.attach(keep);
      }
      x =
          stack.forward(
              layers,
              parameterStore,
              x,
              masks,
              training,
              mode,
              scratch,
              keep,
              checkpoint,
              reseedLayers);
      NDArray hidden = padded == n ? x : x.get(":, 0:" + n + ", :");
      NDArray pooled;
      if (config.pooling() == Pooling.CLS) {
        pooled = hidden.get(":, 0, :");
      } else {
        float[] m = new float[in.attentionMask.length];
        for (int i = 0; i < m.length; i++) {
          m[i] = in.attentionMask[i];
        }
        NDArray mask = OwnedArrays.create(scratch, m, new Shape(b, n, 1));
        pooled = hidden.mul(mask).sum(new int[] {1}).div(mask.sum(new int[] {1}));
      }
      hidden.attach(out);
      pooled.attach(out);
      return new NDList(hidden, pooled);
    }
  }

  private NDArray embeddings(
      ParameterStore ps, NDManager scratch, Shape shape, Inputs in, int padded, boolean training) {
    Device device = scratch.getDevice();
    NDArray sum =
        lookup(ps, scratch, shape, in, in.inputIds, padded, wordEmbeddings, device, training);
    sum =
        sum.add(
            lookup(
                ps,
                scratch,
                shape,
                in,
                in.tokenPositionIds,
                padded,
                positionEmbeddings,
                device,
                training));
    sum =
        sum.add(
            lookup(
                ps,
                scratch,
                shape,
                in,
                in.tokenTypeIds,
                padded,
                tokenTypeEmbeddings,
                device,
                training));
    sum =
        sum.add(
            lookup(
                ps,
                scratch,
                shape,
                in,
                in.itemPositionIds,
                padded,
                itemPositionEmbeddings,
                device,
                training));
    NDArray x =
        LayerNorm.layerNorm(
                sum,
                normShape,
                ps.getValue(embeddingNormW, device, training),
                ps.getValue(embeddingNormB, device, training),
                (float) config.layerNormEps())
            .singletonOrThrow();
    if (training && config.hiddenDropout() > 0) {
      x = Dropout.dropout(x, (float) config.hiddenDropout(), true).singletonOrThrow();
    }
    return x;
  }

  private static NDArray lookup(
      ParameterStore ps,
      NDManager scratch,
      Shape shape,
      Inputs in,
      int[] ids,
      int padded,
      Parameter table,
      Device device,
      boolean training) {
    int[] p = pad(ids, in.batchSize, in.length, padded, 0);
    long[] wide = new long[p.length];
    for (int i = 0; i < p.length; i++) {
      wide[i] = p[i];
    }
    NDArray index = OwnedArrays.create(scratch, wide, shape);
    return Embedding.embedding(index, ps.getValue(table, device, training), SparseFormat.DENSE)
        .singletonOrThrow();
  }

  static int paddedLength(int n, int chunk) {
    return (n + chunk - 1) / chunk * chunk;
  }

  private static int[] pad(int[] rows, int b, int n, int padded, int fill) {
    if (padded == n) {
      return rows;
    }
    int[] out = new int[b * padded];
    Arrays.fill(out, fill);
    for (int r = 0; r < b; r++) {
      System.arraycopy(rows, r * n, out, r * padded, n);
    }
    return out;
  }

  /** Arrays held by the model's own manager (parameters and their gradients), for leak tests. */
  int managedArrayCount() {
    return ((BaseNDManager) manager).getManagedArrays().size();
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the model is closed");
    }
  }

  /** Releases the parameter arrays; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      manager.close();
    }
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "RecformerModel[%d x %d, %d heads, window %d, %s pooling]",
        config.numLayers(),
        config.hiddenSize(),
        config.numHeads(),
        config.attentionWindow(),
        config.pooling());
  }

  /** Creates parameters with BERT's initialization from per-name seeded generators. */
  private final class SeededParameters implements ParameterFactory {
    private final long seed;

    SeededParameters(long seed) {
      this.seed = seed;
    }

    @Override
    public Parameter weight(String name, long... shape) {
      // SplittableRandom's nextGaussian (ziggurat) is several times faster than Random's, which
      // matters for a 30522 x 768 table.
      SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
      float[] values = new float[size(shape)];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (random.nextGaussian() * INIT_STD);
      }
      return register(name, Parameter.Type.WEIGHT, values, shape);
    }

    @Override
    public Parameter bias(String name, long... shape) {
      return register(name, Parameter.Type.BIAS, new float[size(shape)], shape);
    }

    @Override
    public Parameter gamma(String name, long... shape) {
      float[] values = new float[size(shape)];
      Arrays.fill(values, 1f);
      return register(name, Parameter.Type.GAMMA, values, shape);
    }

    private Parameter register(String name, Parameter.Type type, float[] values, long[] shape) {
      if (parameters.containsKey(name)) {
        throw new IllegalStateException("duplicate parameter name " + name);
      }
      Parameter p = Parameter.builder().setName(name).setType(type).build();
      NDArray array = manager.create(values, new Shape(shape));
      p.setArray(array);
      array.setRequiresGradient(true);
      return addParameter(p);
    }

    private int size(long[] shape) {
      long n = 1;
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
      return Math.toIntExact(n);
    }
  }

  /** The six int arrays of a batch, row-major {@code [batchSize, length]}. */
  // Arrays for speed: flat input buffers for one forward pass, never compared.
  @SuppressWarnings("ArrayRecordComponent")
  private record Inputs(
      int batchSize,
      int length,
      int[] inputIds,
      int[] tokenTypeIds,
      int[] tokenPositionIds,
      int[] itemPositionIds,
      int[] attentionMask,
      int[] globalMask) {

    void validate(RecformerConfig c) {
      check("input id", inputIds, c.vocabSize());
      check("token type", tokenTypeIds, c.tokenTypes());
      check("token position", tokenPositionIds, c.maxPositions());
      check("item position", itemPositionIds, c.maxItemPositions());
      check("attention mask", attentionMask, 2);
      check("global attention mask", globalMask, 2);
      for (int i = 0; i < globalMask.length; i++) {
        if (globalMask[i] == 1 && attentionMask[i] == 0) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "global attention at [%d, %d] is on a padding token (attention mask 0); global"
                      + " tokens must be real tokens",
                  i / length,
                  i % length));
        }
      }
    }

    private void check(String what, int[] values, int limit) {
      for (int i = 0; i < values.length; i++) {
        if (values[i] < 0 || values[i] >= limit) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "%s %d at [%d, %d] is out of range [0, %d)",
                  what,
                  values[i],
                  i / length,
                  i % length,
                  limit));
        }
      }
    }
  }
}
