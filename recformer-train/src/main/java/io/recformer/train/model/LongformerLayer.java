package io.recformer.train.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;

/**
 * One post-LN encoder layer (reference section 3): self-attention, output dense, dropout, residual,
 * LayerNorm; then FFN d -> ffn (GELU, erf form as BERT) -> d, dropout, residual, LayerNorm.
 *
 * <p>Under {@link Precision#FP16_MIXED} the dense layers, GELU and dropout run in float16 (weights
 * and inputs cast at use); each residual sum adds a float16 branch to the float32 stream, which
 * promotes it to float32, so both LayerNorms and the layer's output are float32.
 */
final class LongformerLayer {

  private final LongformerSelfAttention attention;
  private final Parameter attentionOutW;
  private final Parameter attentionOutB;
  private final Parameter attentionNormW;
  private final Parameter attentionNormB;
  private final Parameter intermediateW;
  private final Parameter intermediateB;
  private final Parameter outputW;
  private final Parameter outputB;
  private final Parameter outputNormW;
  private final Parameter outputNormB;
  private final Shape normShape;
  private final float eps;
  private final float hiddenDropout;

  LongformerLayer(
      int index,
      int hidden,
      int heads,
      int intermediate,
      float eps,
      float hiddenDropout,
      float attentionDropout,
      ParameterFactory params) {
    String p = "encoder.layer." + index + ".";
    attention =
        new LongformerSelfAttention(p + "attention.self.", hidden, heads, attentionDropout, params);
    attentionOutW = params.weight(p + "attention.output.dense.weight", hidden, hidden);
    attentionOutB = params.bias(p + "attention.output.dense.bias", hidden);
    attentionNormW = params.gamma(p + "attention.output.LayerNorm.weight", hidden);
    attentionNormB = params.bias(p + "attention.output.LayerNorm.bias", hidden);
    intermediateW = params.weight(p + "intermediate.dense.weight", intermediate, hidden);
    intermediateB = params.bias(p + "intermediate.dense.bias", intermediate);
    outputW = params.weight(p + "output.dense.weight", hidden, intermediate);
    outputB = params.bias(p + "output.dense.bias", hidden);
    outputNormW = params.gamma(p + "output.LayerNorm.weight", hidden);
    outputNormB = params.bias(p + "output.LayerNorm.bias", hidden);
    this.normShape = new Shape(hidden);
    this.eps = eps;
    this.hiddenDropout = hiddenDropout;
  }

  LongformerSelfAttention attention() {
    return attention;
  }

  NDArray forward(
      ParameterStore store,
      NDArray x,
      AttentionMasks masks,
      boolean training,
      AttentionMode mode,
      NDManager scope) {
    Device device = x.getDevice();
    DataType type = masks.computeType;
    NDArray context = attention.forward(store, x, masks, training, mode, scope);
    NDArray attended =
        dropout(
            linear(store, context, attentionOutW, attentionOutB, device, training, type, scope),
            training);
    NDArray h =
        LayerNorm.layerNorm(
                attended.add(x),
                normShape,
                store.getValue(attentionNormW, device, training),
                store.getValue(attentionNormB, device, training),
                eps)
            .singletonOrThrow();
    NDArray inner =
        Activation.gelu(
            linear(
                store,
                Casts.to(h, type),
                intermediateW,
                intermediateB,
                device,
                training,
                type,
                scope));
    NDArray out =
        dropout(linear(store, inner, outputW, outputB, device, training, type, scope), training);
    return LayerNorm.layerNorm(
            out.add(h),
            normShape,
            store.getValue(outputNormW, device, training),
            store.getValue(outputNormB, device, training),
            eps)
        .singletonOrThrow();
  }

  private static NDArray linear(
      ParameterStore store,
      NDArray x,
      Parameter w,
      Parameter b,
      Device device,
      boolean training,
      DataType type,
      NDManager scope) {
    return Linear.linear(
            x,
            Casts.parameter(store, w, device, training, type, scope),
            Casts.parameter(store, b, device, training, type, scope))
        .singletonOrThrow();
  }

  private NDArray dropout(NDArray x, boolean training) {
    if (!training || hiddenDropout == 0f) {
      return x;
    }
    return Dropout.dropout(x, hiddenDropout, true).singletonOrThrow();
  }
}
