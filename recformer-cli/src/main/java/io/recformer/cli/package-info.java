/**
 * The {@code recformer} command-line tool: one executable with subcommands for every step of the
 * pipeline, from importing raw data to printing recommendations.
 */
package io.recformer.cli;
