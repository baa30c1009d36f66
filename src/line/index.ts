export { LineCounters } from './counters.js';
export { LineDecoder, type SampleSink } from './decoder.js';
export { formatLine, formatSample, type LineFields } from './format.js';
export { Frame, Unwrapper } from './framing.js';
export { hasKtsPrefix, PayloadParser } from './payload.js';
export * from './types.js';
