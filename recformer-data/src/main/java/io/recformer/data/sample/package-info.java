/**
 * Seeded training-sample generators: pre-training pairs (a late target position, history = the
 * prefix) and fine-tuning samples under both policies of reference section 5 (one random target per
 * user per epoch, or every prefix).
 */
package io.recformer.data.sample;
