/**
 * {@link io.recformer.core.config.RecformerConfig}: every model and input hyperparameter of
 * Recformer as one validated record, with the paper's and the mini study's presets.
 */
package io.recformer.core.config;
