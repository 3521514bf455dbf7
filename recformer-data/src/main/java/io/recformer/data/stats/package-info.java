/**
 * Dataset statistics: user, item and interaction counts and the distributions of sequence length
 * and (given a token counter) tokens per item, as a record and a Markdown report.
 */
package io.recformer.data.stats;
