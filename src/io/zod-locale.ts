/**
 * Every schema of kts is `zod/mini` (imported `* as z` and used as `z.name`, which a bundler
 * trims to the functions used). The classic `zod` entry point, every method on every schema,
 * was 580 KB of source that the sidecar parsed and kept in memory at start-up for a handful of
 * schemas (issue 17). zod/mini loads no messages of its own: importing this module gives them
 * the English ones, once, from the one locale file.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
