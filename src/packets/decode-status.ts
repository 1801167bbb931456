/** What decoding a packet came to (decoder.ts returns one; link-headers.ts too, for the header it reads). */
export const DECODE_OK = 0;
/** the packet ends inside a header */
export const DECODE_TRUNCATED = 1;
/** a header that cannot be what its place says */
export const DECODE_MALFORMED = 2;
/** a link type the decoder does not read */
export const DECODE_UNKNOWN_LINK = 3;
