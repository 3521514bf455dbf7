package io.recformer.train.model;

import ai.djl.nn.Parameter;

/** Creates, registers and initializes the model's parameters under their Hugging Face names. */
interface ParameterFactory {

  /** A Linear or embedding weight, initialized normal(0, 0.02) like BERT. */
  Parameter weight(String name, long... shape);

  /** A bias, initialized to zeros. */
  Parameter bias(String name, long... shape);

  /** A LayerNorm scale, initialized to ones. */
  Parameter gamma(String name, long... shape);
}
