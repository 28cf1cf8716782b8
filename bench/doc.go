// Package bench measures ddbexport end to end on generated exports, through
// the same pipeline the commands use: no special fast path.
//
//	go test -run '^$' -bench . -benchtime 5x ./bench
//
// Per-stage micro-benchmarks live beside their code (codec/ddbjson,
// pipeline, gen).
package bench
