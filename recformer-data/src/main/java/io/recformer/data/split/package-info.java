/**
 * Evaluation splits: leave-one-out (reference section 6) and seeded user subsampling. The original
 * Recformer sampled one user in five without a seed, which made its data irreproducible; here every
 * sample takes an explicit seed.
 */
package io.recformer.data.split;
