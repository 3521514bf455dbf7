/**
 * File-system helpers shared by every writer of the project: atomic writes so that an interrupted
 * run never leaves a half-written artifact that looks complete.
 */
package io.recformer.core.io;
