// Package bench measures ddbexport's stages on an export, beside the
// limits of the machine and the baselines a Go user would write, through
// the same code as the commands (verify.Verify, sink/export, sink/parquet):
// no fast path of its own. It is what ddbexport bench runs.
//
// An Export is opened from any store.Store and manifest.Ref (Open), or
// generated (Generate). Measure runs one Stage once and returns its wall
// time, its CPU time (getrusage deltas) and its peak RSS (the process's
// VmHWM, reset before the run through /proc/self/clear_refs where
// permitted); Run runs the stages several times, interleaved, and reports
// the medians, each stage's ratio to the limit that bounds it (klauspost
// gunzip with the MD5 of the stored bytes teed in), and the targets of
// BENCHMARKS.md it can judge.
//
// Go benchmarks of every stage on a 30 MB generated export:
//
//	go test -run '^$' -bench Stages -benchtime 5x ./bench
//
// BenchmarkEncode and BenchmarkDecode measure both codecs on the same
// table-shaped records, in memory. Micro-benchmarks on varied records live
// beside the code (codec/ddbjson, codec/ion, pipeline, gen, sink/parquet).
package bench
