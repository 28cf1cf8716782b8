package pipeline

import "bytes"

// countNewlines counts '\n' bytes; bytes.Count uses SIMD for single bytes.
func countNewlines(b []byte) int { return bytes.Count(b, []byte{'\n'}) }
