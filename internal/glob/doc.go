// Package glob matches Redis glob patterns (KEYS, SCAN MATCH, HSCAN MATCH)
// byte for byte as Redis 7.0's stringmatchlen does, quirks included, so
// clients see the same keys from the sidecar as from Redis. Patterns are
// raw bytes: no UTF-8 decoding, and class ranges compare bytes as signed C
// chars, as Redis built for x86-64 does.
//
// Unlike Redis's recursive matcher, Match backtracks only to the most
// recent '*', so it runs in O(len(pattern)·len(s)) time for any pattern;
// every pattern element consumes exactly one byte, which makes that
// equivalent.
package glob
