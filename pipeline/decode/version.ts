/**
 * The decoder's version: part of every unit's inputs hash, so an incremental build rewrites what a new
 * decoder would decode differently. Raise it with any change that gives other rows for the same stored
 * bytes (a new column, a fixed rule); changes to the contract's columns are detected on their own.
 */
export const DECODER_VERSION = "11.1";
