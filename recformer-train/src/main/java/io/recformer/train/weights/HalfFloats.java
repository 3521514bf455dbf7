package io.recformer.train.weights;

/**
 * Widening of 16-bit floats (IEEE half precision and bfloat16) to {@code float}: converted PyTorch
 * and ONNX checkpoints are often stored in one of them. Java 17 has no built-in conversion ({@code
 * Float.float16ToFloat} arrived in Java 20).
 */
final class HalfFloats {

  private HalfFloats() {}

  /** IEEE 754 binary16 (1 sign, 5 exponent, 10 mantissa bits) to float; exact. */
  static float halfToFloat(short half) {
    int bits = half & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1F;
    int mantissa = bits & 0x3FF;
    if (exponent == 0x1F) {
      // Infinity or NaN: keep the payload so NaNs stay NaN.
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      if (mantissa == 0) {
        return Float.intBitsToFloat(sign);
      }
      // Subnormal half: value = mantissa * 2^-24, exactly representable as a normal float.
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }

  /** bfloat16 (the upper half of a float32) to float; exact. */
  static float bfloat16ToFloat(short bf16) {
    return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
  }
}
