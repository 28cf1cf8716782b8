//go:build !linux

package localfs

import "os"

// startWriteback does nothing where sync_file_range is not: Commit's
// fsync does all the writing.
func startWriteback(f *os.File, off, n int64) {}
