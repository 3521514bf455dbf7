/**
 * Reading raw input files: transparent gzip, strict UTF-8 decoding one line at a time, and errors
 * that name the file, the line and the field. Importers build on these so every format reports bad
 * input the same way.
 */
package io.recformer.data.source;
