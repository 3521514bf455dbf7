/**
 * Items as ordered text attributes, catalogs with a dense index, and user histories. These are the
 * values every other module passes around; nothing here knows about tokenizers or engines.
 */
package io.recformer.core.item;
